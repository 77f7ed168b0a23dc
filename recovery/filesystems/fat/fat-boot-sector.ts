/**
 * The FAT12/16/32 boot sector (BIOS parameter block). It is accepted exactly when libblkid
 * accepts it (superblocks/vfat.c, fat_valid_superblock), plus the checks a used-block map needs
 * (the FAT must hold an entry for every cluster, the FAT32 root directory must be a data cluster).
 *
 * FAT has no strong magic: blkid also tries any sector starting with a jump (0xEB, 0xE9) or
 * ending in 55 AA. A sector that carries one of the FAT type strings and fails the checks is a
 * damaged FAT volume (an error); one that only has a jump or 55 AA is simply "not FAT" (null).
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { ascii } from '../filesystem-types.js';
import { fatCorrupt } from './fat-errors.js';
import { fatLabelText, serialText } from './fat-text.js';

export type FatVersion = 'FAT12' | 'FAT16' | 'FAT32';

/** Only the first 512 bytes hold BPB fields, whatever the sector size. */
export const FAT_BOOT_SECTOR_BYTES = 512;

/**
 * Cluster counts at which the entry width changes (Microsoft's FAT specification and the Linux
 * kernel: up to 4084 clusters is FAT12). blkid's VERSION says FAT16 for exactly 4084 clusters;
 * the entries are 12-bit there all the same, and mkfs.fat never makes such a volume.
 */
const FAT12_MAX_CLUSTERS = 4084;
const FAT16_MAX_CLUSTERS = 65524;
const FAT32_MAX_CLUSTERS = 0x0ffffff6;

export interface FatGeometry {
  version: FatVersion;
  /** Bits per FAT entry: 12, 16 or 32. */
  entryBits: 12 | 16 | 32;
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSizeBytes: number;
  reservedSectors: number;
  fatCount: number;
  sectorsPerFat: number;
  rootEntries: number;
  /** The fixed root directory of FAT12/16 (FAT32 keeps the root in clusters; usually 0 here). */
  rootDirSectors: number;
  totalSectors: number;
  /** First sector of cluster 2, the start of the data area. */
  dataStartSector: number;
  /** Clusters in the data area: clusters 2 .. clusterCount + 1 exist. */
  clusterCount: number;
  /** Which FAT copy holds the allocation: 0, or the active one when FAT32 mirroring is off. */
  activeFat: number;
  /** FAT32 only (0 for FAT12/16): the root directory's first cluster. */
  rootCluster: number;
  /** The serial number as blkid prints UUID=. */
  serial: string;
  /** The boot sector's own label (blkid's LABEL_FATBOOT), null for none or "NO NAME". */
  bootLabel: string | null;
  /** The dirty bit in the boot sector (0x25 for FAT12/16, 0x41 for FAT32), set while mounted. */
  bootDirty: boolean;
}

/** What the first sector says about being FAT. */
export type FatSignature = 'named' | 'possible' | 'none';

const NAMED_AT_0x36 = ['FAT12   ', 'FAT16   ', 'FAT     '];
const NAMED_AT_0x52 = ['FAT32   '];

/** 'named': a FAT type string is present; 'possible': only a jump or 55 AA; 'none': not FAT. */
export function fatSignature(sector: Uint8Array): FatSignature {
  if (sector.length < FAT_BOOT_SECTOR_BYTES) return 'none';
  const oem = ascii(sector.subarray(3, 11));
  // NTFS and exFAT boot sectors begin with a jump and end in 55 AA too: they are not FAT.
  if (oem === 'NTFS    ' || oem === 'EXFAT   ') return 'none';
  const at36 = ascii(sector.subarray(0x36, 0x3e));
  const at52 = ascii(sector.subarray(0x52, 0x5a));
  if (NAMED_AT_0x36.includes(at36) || at36.startsWith('MSDOS') || NAMED_AT_0x52.includes(at52) || at52.startsWith('MSWIN')) return 'named';
  // OS/2 and DFSee put a FAT-like header in front of JFS and HPFS (libblkid rules these out too).
  if (at36 === 'JFS     ' || at36 === 'HPFS    ') return 'none';
  // Without a type string blkid wants 55 AA (a jump alone is not enough); old floppies have both.
  return sector[0x1fe] === 0x55 && sector[0x1ff] === 0xaa ? 'possible' : 'none';
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0;
}

/** A geometry, or the reason (and the byte it concerns) this boot sector cannot be FAT. */
export type FatBootSectorResult = { geometry: FatGeometry } | { problem: string; offsetBytes: number };

/** Decodes and checks a boot sector. Needs the first 512 bytes of the volume. */
export function parseFatBootSector(sector: Uint8Array): FatBootSectorResult {
  const view = dataView(sector.subarray(0, FAT_BOOT_SECTOR_BYTES));
  const bad = (problem: string, offsetBytes: number): FatBootSectorResult => ({ problem, offsetBytes });

  const fatCount = view.getUint8(0x10);
  if (fatCount === 0) return bad('The boot sector gives 0 FAT copies; a FAT volume has at least one', 0x10);
  const reservedSectors = view.getUint16(0x0e, true);
  if (reservedSectors === 0) return bad('The boot sector gives 0 reserved sectors; the boot sector itself is one', 0x0e);
  const media = view.getUint8(0x15);
  if (!(media >= 0xf8 || media === 0xf0)) return bad(`The media byte is 0x${media.toString(16)}; FAT uses 0xF0 or 0xF8 to 0xFF`, 0x15);
  const sectorsPerCluster = view.getUint8(0x0d);
  if (!isPowerOfTwo(sectorsPerCluster))
    return bad(`The boot sector gives ${sectorsPerCluster} sectors per cluster; it must be a power of two from 1 to 128`, 0x0d);
  const bytesPerSector = view.getUint16(0x0b, true);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096) {
    return bad(`The boot sector gives ${bytesPerSector} bytes per sector; FAT uses a power of two from 512 to 4096`, 0x0b);
  }

  const rootEntries = view.getUint16(0x11, true);
  const sectors16 = view.getUint16(0x13, true);
  const totalSectors = sectors16 !== 0 ? sectors16 : view.getUint32(0x20, true);
  if (totalSectors === 0) return bad('The boot sector gives a size of 0 sectors', 0x13);
  const fatLength16 = view.getUint16(0x16, true);
  const sectorsPerFat = fatLength16 !== 0 ? fatLength16 : view.getUint32(0x24, true);
  if (sectorsPerFat === 0) return bad('The boot sector gives 0 sectors per FAT', 0x16);

  const rootDirSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const dataStartSector = reservedSectors + fatCount * sectorsPerFat + rootDirSectors;
  if (dataStartSector >= totalSectors) {
    return bad(
      `The reserved sectors, ${fatCount} FATs of ${sectorsPerFat} sectors and the root directory (${dataStartSector} sectors) do not fit in the volume's ${totalSectors} sectors`,
      0x10,
    );
  }
  const clusterCount = Math.floor((totalSectors - dataStartSector) / sectorsPerCluster);
  if (clusterCount === 0) return bad('The data area is smaller than one cluster', 0x0d);

  // Like blkid and the Linux kernel, a BPB without a 16-bit FAT size is FAT32 whatever its
  // cluster count; otherwise the count decides between 12- and 16-bit entries.
  let version: FatVersion;
  if (fatLength16 === 0) {
    if (clusterCount > FAT32_MAX_CLUSTERS) return bad(`The volume has ${clusterCount} clusters, more than FAT32 can number`, 0x24);
    version = 'FAT32';
  } else if (clusterCount <= FAT12_MAX_CLUSTERS) {
    version = 'FAT12';
  } else if (clusterCount <= FAT16_MAX_CLUSTERS) {
    version = 'FAT16';
  } else {
    return bad(`The volume has ${clusterCount} clusters, more than FAT16 can number, but its boot sector is laid out for FAT12/16`, 0x16);
  }
  const entryBits = version === 'FAT12' ? 12 : version === 'FAT16' ? 16 : 32;
  const fatEntries = Math.floor((sectorsPerFat * bytesPerSector * 8) / entryBits);
  if (fatEntries < clusterCount + 2) {
    return bad(`The FAT has room for ${fatEntries} entries but the volume has ${clusterCount} clusters (plus 2 reserved entries)`, 0x16);
  }

  let activeFat = 0;
  let rootCluster = 0;
  if (version === 'FAT32') {
    const flags = view.getUint16(0x28, true);
    // Bit 7: mirroring off, and only the FAT numbered in bits 0-3 is current.
    if (flags & 0x80) activeFat = flags & 0x0f;
    if (activeFat >= fatCount) return bad(`The boot sector names FAT ${activeFat} as the active one, but there are only ${fatCount}`, 0x28);
    rootCluster = view.getUint32(0x2c, true);
    if (rootCluster < 2 || rootCluster > clusterCount + 1) {
      return bad(`The root directory starts at cluster ${rootCluster}, outside the data area (clusters 2 to ${clusterCount + 1})`, 0x2c);
    }
  }

  const fat32 = version === 'FAT32';
  const bootLabel = fatLabelText(sector.subarray(fat32 ? 0x47 : 0x2b, fat32 ? 0x52 : 0x36));
  return {
    geometry: {
      version,
      entryBits,
      bytesPerSector,
      sectorsPerCluster,
      clusterSizeBytes: sectorsPerCluster * bytesPerSector,
      reservedSectors,
      fatCount,
      sectorsPerFat,
      rootEntries,
      rootDirSectors,
      totalSectors,
      dataStartSector,
      clusterCount,
      activeFat,
      rootCluster,
      serial: serialText(sector, fat32 ? 0x43 : 0x27),
      bootLabel: bootLabel === 'NO NAME' ? null : bootLabel,
      bootDirty: (view.getUint8(fat32 ? 0x41 : 0x25) & 1) === 1,
    },
  };
}

/**
 * The boot sector's geometry; null when the source is not FAT at all; a CORRUPT_FILESYSTEM
 * error when it names itself FAT but its numbers are impossible.
 */
export async function readFatGeometry(source: ByteSource): Promise<FatGeometry | null> {
  if (source.sizeBytes < FAT_BOOT_SECTOR_BYTES) return null;
  const sector = await source.readAt(0, FAT_BOOT_SECTOR_BYTES);
  const signature = fatSignature(sector);
  if (signature === 'none') return null;
  const result = parseFatBootSector(sector);
  if ('geometry' in result) return result.geometry;
  if (signature === 'possible') return null;
  throw fatCorrupt(result.problem, result.offsetBytes);
}
