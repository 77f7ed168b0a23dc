/**
 * The NTFS boot sector (the first sector of the volume; a copy sits in the sector just after
 * the volume, the partition's last sector). Only the fields Lifeboat needs are decoded, each
 * checked against what real volumes can hold so a hostile value fails here, not deep inside
 * the MFT code.
 */
import { LifeboatError } from '../../core/errors.js';
import { dataView } from '../../core/bytes.js';
import { ascii } from '../filesystem-types.js';
import { ntfsCorrupt } from './ntfs-errors.js';

export const NTFS_OEM_ID = 'NTFS    ';
export const NTFS_OEM_OFFSET = 3;
/** Only the first 512 bytes are meaningful, even on disks with 4096-byte sectors. */
export const BOOT_SECTOR_BYTES = 512;
/** Windows 10 (1709 and later) formats clusters up to 2 MiB; nothing larger exists. */
export const MAX_CLUSTER_BYTES = 2 * 1024 * 1024;
/** MFT records are 1 KiB (4 KiB on some 4Kn disks); 64 KiB is a generous ceiling. */
export const MAX_MFT_RECORD_BYTES = 64 * 1024;
/** Fixups protect each 512-byte stride, so a record is at least one stride. */
export const MIN_MFT_RECORD_BYTES = 512;

export interface NtfsGeometry {
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSizeBytes: number;
  /** Sectors in the volume; the backup boot sector in the sector after them is not counted. */
  totalSectors: number;
  /** Whole clusters in the volume: the number of bits of $Bitmap that mean something. */
  clusterCount: number;
  mftCluster: number;
  mftMirrorCluster: number;
  mftRecordSizeBytes: number;
  /** The volume serial number as blkid prints it: 16 upper-case hex digits. */
  serialNumber: string;
}

/** True when the OEM ID says NTFS: the magic that decides whether damage is an error or "not NTFS". */
export function hasNtfsOemId(sector: Uint8Array): boolean {
  return sector.length >= NTFS_OEM_OFFSET + 8 && ascii(sector.subarray(NTFS_OEM_OFFSET, NTFS_OEM_OFFSET + 8)) === NTFS_OEM_ID;
}

/** A 64-bit field that must be exact as a number; anything past 2^53 is no real volume's. */
function u64Field(view: DataView, offset: number, field: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw ntfsCorrupt(`The boot sector's ${field} field holds ${value}, which no real volume can have`, offset);
  return Number(value);
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

/** Decodes and checks an NTFS boot sector; a missing OEM ID or any impossible field is CORRUPT_FILESYSTEM. */
export function parseNtfsBootSector(sector: Uint8Array): NtfsGeometry {
  if (sector.length < BOOT_SECTOR_BYTES) {
    throw new LifeboatError('TRUNCATED', `NTFS: the boot sector is only ${sector.length} bytes long; the partition or image is truncated.`);
  }
  if (!hasNtfsOemId(sector)) throw ntfsCorrupt(`The boot sector has no "${NTFS_OEM_ID}" OEM ID at byte 3, so this is not an NTFS volume`, NTFS_OEM_OFFSET);
  const view = dataView(sector);
  if (view.getUint16(0x1fe, true) !== 0xaa55) throw ntfsCorrupt('The boot sector does not end with the 55 AA signature', 0x1fe);

  const bytesPerSector = view.getUint16(0x0b, true);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 256 || bytesPerSector > 4096) {
    throw ntfsCorrupt(`The boot sector gives ${bytesPerSector} bytes per sector; NTFS uses a power of two from 256 to 4096`, 0x0b);
  }

  // Values above 128 encode 2^(256 - v) sectors, which is how clusters of 128 KiB and more are written.
  const rawSectorsPerCluster = view.getUint8(0x0d);
  const sectorsPerCluster = rawSectorsPerCluster > 0x80 ? 2 ** (256 - rawSectorsPerCluster) : rawSectorsPerCluster;
  const clusterSizeBytes = bytesPerSector * sectorsPerCluster;
  if (!isPowerOfTwo(sectorsPerCluster) || clusterSizeBytes > MAX_CLUSTER_BYTES) {
    throw ntfsCorrupt(
      `The boot sector's sectors-per-cluster byte (0x${rawSectorsPerCluster.toString(16)}) gives clusters of ${clusterSizeBytes} bytes; NTFS clusters are a power of two up to 2 MiB`,
      0x0d,
    );
  }

  const totalSectors = u64Field(view, 0x28, 'total-sectors');
  const clusterCount = Math.floor(totalSectors / sectorsPerCluster);
  if (clusterCount < 1) throw ntfsCorrupt(`The boot sector says the volume has ${totalSectors} sectors, less than one cluster`, 0x28);

  const mftCluster = u64Field(view, 0x30, '$MFT cluster');
  const mftMirrorCluster = u64Field(view, 0x38, '$MFTMirr cluster');
  if (mftCluster === 0 || mftCluster >= clusterCount || mftMirrorCluster === 0 || mftMirrorCluster >= clusterCount) {
    throw ntfsCorrupt(
      `The boot sector puts $MFT at cluster ${mftCluster} and $MFTMirr at cluster ${mftMirrorCluster}, outside the volume's ${clusterCount} clusters`,
      0x30,
    );
  }

  // Positive: clusters per record; negative: the record is 2^-v bytes (used when records are smaller than a cluster).
  const clustersPerRecord = view.getInt8(0x40);
  const mftRecordSizeBytes = clustersPerRecord > 0 ? clustersPerRecord * clusterSizeBytes : 2 ** -clustersPerRecord;
  if (!isPowerOfTwo(mftRecordSizeBytes) || mftRecordSizeBytes < MIN_MFT_RECORD_BYTES || mftRecordSizeBytes > MAX_MFT_RECORD_BYTES) {
    throw ntfsCorrupt(
      `The boot sector's clusters-per-MFT-record byte (${clustersPerRecord}) gives ${mftRecordSizeBytes}-byte records; NTFS uses a power of two from 512 bytes to 64 KiB`,
      0x40,
    );
  }

  const serialHigh = view.getUint32(0x4c, true).toString(16).padStart(8, '0');
  const serialLow = view.getUint32(0x48, true).toString(16).padStart(8, '0');
  return {
    bytesPerSector,
    sectorsPerCluster,
    clusterSizeBytes,
    totalSectors,
    clusterCount,
    mftCluster,
    mftMirrorCluster,
    mftRecordSizeBytes,
    serialNumber: (serialHigh + serialLow).toUpperCase(),
  };
}
