/**
 * The exFAT boot region: 12 sectors (boot sector, 8 extended boot sectors, OEM parameters,
 * reserved, and a sector full of copies of the region's checksum), then a backup copy of all 12.
 * blkid accepts the main boot sector without checking the checksum; Lifeboat checks it and reads
 * the backup region when the main one is damaged, as fsck.exfat would repair it.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, u64 } from '../../core/bytes.js';
import { LifeboatError } from '../../core/errors.js';
import { ascii } from '../filesystem-types.js';
import { exfatCorrupt } from '../fat/fat-errors.js';
import { serialText } from '../fat/fat-text.js';

export const EXFAT_NAME = 'EXFAT   ';
/** Sectors in one boot region; the backup region follows the main one. */
export const BOOT_REGION_SECTORS = 12;
/** The largest cluster the specification allows: 32 MiB (shift of bytes + sectors at most 25). */
const MAX_CLUSTER_SHIFT = 25;
/** Highest valid cluster count (cluster numbers up to 0xFFFFFFF6). */
const MAX_CLUSTER_COUNT = 0xfffffff5;

export interface ExfatGeometry {
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSizeBytes: number;
  volumeLengthSectors: number;
  fatOffsetSectors: number;
  fatLengthSectors: number;
  fatCount: number;
  clusterHeapOffsetSectors: number;
  /** Clusters in the heap: clusters 2 .. clusterCount + 1 exist. */
  clusterCount: number;
  rootCluster: number;
  /** The FAT (and allocation bitmap) in use: VolumeFlags bit 0 when there are two. */
  activeFat: number;
  /** VolumeFlags @0x6A: bit 1 VolumeDirty, bit 2 MediaFailure. */
  volumeFlags: number;
  /** blkid's VERSION: FileSystemRevision as major.minor. */
  revision: string;
  /** The serial number as blkid prints UUID=. */
  serial: string;
  /** Why the boot region was not taken as it is, or null when its checksum matched. */
  bootRegionNote: string | null;
}

/** The boot region checksum: every byte of sectors 0-10 except VolumeFlags and PercentInUse. */
export function bootRegionChecksum(region: Uint8Array, bytesPerSector: number): number {
  let sum = 0;
  const end = bytesPerSector * 11;
  for (let i = 0; i < end; i++) {
    if (i === 106 || i === 107 || i === 112) continue;
    sum = (((sum & 1) << 31) | (sum >>> 1)) + (region[i] ?? 0);
    sum >>>= 0;
  }
  return sum;
}

function checksumMatches(region: Uint8Array, bytesPerSector: number): boolean {
  const expected = bootRegionChecksum(region, bytesPerSector);
  const view = dataView(region);
  for (let at = bytesPerSector * 11; at < bytesPerSector * 12; at += 4) if (view.getUint32(at, true) !== expected) return false;
  return true;
}

/** Decodes and checks one boot sector (the first 512 bytes of a region). */
export function parseExfatBootSector(sector: Uint8Array, bootRegionNote: string | null = null): ExfatGeometry {
  const view = dataView(sector);
  if (sector[0] !== 0xeb || sector[1] !== 0x76 || sector[2] !== 0x90) throw exfatCorrupt('The boot sector does not start with the EB 76 90 jump', 0);
  if (view.getUint16(0x1fe, true) !== 0xaa55) throw exfatCorrupt('The boot sector does not end with the 55 AA signature', 0x1fe);
  for (let i = 0x0b; i < 0x40; i++) if (sector[i] !== 0) throw exfatCorrupt(`Byte ${i} of the boot sector must be zero on exFAT`, i);

  const sectorShift = view.getUint8(0x6c);
  const clusterShift = view.getUint8(0x6d);
  if (sectorShift < 9 || sectorShift > 12) throw exfatCorrupt(`The sector size is 2^${sectorShift} bytes; exFAT uses 512 to 4096`, 0x6c);
  if (sectorShift + clusterShift > MAX_CLUSTER_SHIFT)
    throw exfatCorrupt(`The cluster size is 2^${sectorShift + clusterShift} bytes; exFAT allows at most 32 MiB`, 0x6d);
  const fatCount = view.getUint8(0x6e);
  if (fatCount !== 1 && fatCount !== 2) throw exfatCorrupt(`The boot sector gives ${fatCount} FATs; exFAT has 1 or 2`, 0x6e);

  const volumeLengthSectors = u64(view, 0x48, 'exFAT VolumeLength');
  const fatOffsetSectors = view.getUint32(0x50, true);
  const fatLengthSectors = view.getUint32(0x54, true);
  const clusterHeapOffsetSectors = view.getUint32(0x58, true);
  const clusterCount = view.getUint32(0x5c, true);
  const rootCluster = view.getUint32(0x60, true);
  const bytesPerSector = 2 ** sectorShift;
  const sectorsPerCluster = 2 ** clusterShift;

  if (fatOffsetSectors < 2 * BOOT_REGION_SECTORS) throw exfatCorrupt(`The FAT starts at sector ${fatOffsetSectors}, inside the boot regions`, 0x50);
  if (fatOffsetSectors + fatLengthSectors * fatCount > clusterHeapOffsetSectors) {
    throw exfatCorrupt(
      `The FAT (sector ${fatOffsetSectors}, ${fatCount} x ${fatLengthSectors} sectors) runs into the cluster heap at sector ${clusterHeapOffsetSectors}`,
      0x54,
    );
  }
  if (clusterCount === 0 || clusterCount > MAX_CLUSTER_COUNT) throw exfatCorrupt(`The boot sector gives ${clusterCount} clusters`, 0x5c);
  if (fatLengthSectors * bytesPerSector < (clusterCount + 2) * 4) {
    throw exfatCorrupt(`The FAT (${fatLengthSectors} sectors) is too small for ${clusterCount} clusters`, 0x54);
  }
  const heapEndSectors = clusterHeapOffsetSectors + clusterCount * sectorsPerCluster;
  if (heapEndSectors > volumeLengthSectors) {
    throw exfatCorrupt(`The cluster heap ends at sector ${heapEndSectors}, past the end of the volume (${volumeLengthSectors} sectors)`, 0x5c);
  }
  if (rootCluster < 2 || rootCluster > clusterCount + 1) {
    throw exfatCorrupt(`The root directory starts at cluster ${rootCluster}, outside the cluster heap (clusters 2 to ${clusterCount + 1})`, 0x60);
  }
  const volumeFlags = view.getUint16(0x6a, true);
  return {
    bytesPerSector,
    sectorsPerCluster,
    clusterSizeBytes: bytesPerSector * sectorsPerCluster,
    volumeLengthSectors,
    fatOffsetSectors,
    fatLengthSectors,
    fatCount,
    clusterHeapOffsetSectors,
    clusterCount,
    rootCluster,
    activeFat: fatCount === 2 ? volumeFlags & 1 : 0,
    volumeFlags,
    revision: `${view.getUint8(0x69)}.${view.getUint8(0x68)}`,
    serial: serialText(sector, 0x64),
    bootRegionNote,
  };
}

/**
 * The volume's geometry; null when the source does not carry the exFAT name at byte 3. A named
 * but impossible boot sector is CORRUPT_FILESYSTEM. Reads at most the two boot regions (96 KiB).
 */
export async function readExfatGeometry(source: ByteSource): Promise<ExfatGeometry | null> {
  if (source.sizeBytes < 512) return null;
  const first = await source.readAt(0, 512);
  if (ascii(first.subarray(3, 11)) !== EXFAT_NAME) return null;
  const shift = first[0x6c] ?? 0;
  if (shift < 9 || shift > 12) throw exfatCorrupt(`The sector size is 2^${shift} bytes; exFAT uses 512 to 4096`, 0x6c);
  const sectorBytes = 2 ** shift;
  const regionBytes = BOOT_REGION_SECTORS * sectorBytes;
  const main = await source.readAt(0, regionBytes);
  if (checksumMatches(main, sectorBytes)) return parseExfatBootSector(main);

  if (source.sizeBytes >= 2 * regionBytes) {
    const backup = await source.readAt(regionBytes, regionBytes);
    if (ascii(backup.subarray(3, 11)) === EXFAT_NAME && backup[0x6c] === shift && checksumMatches(backup, sectorBytes)) {
      try {
        return parseExfatBootSector(backup, 'the main boot region is damaged (checksum mismatch); the backup boot region was used');
      } catch (error) {
        if (!(error instanceof LifeboatError)) throw error;
      }
    }
  }
  // No intact copy: read the main boot sector anyway, as blkid does, and say so.
  return parseExfatBootSector(main, 'the boot region checksum does not match and the backup is no better');
}
