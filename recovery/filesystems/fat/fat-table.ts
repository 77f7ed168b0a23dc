/**
 * Reading the File Allocation Table. A FAT32 FAT can be hundreds of MiB, so it is read in pieces
 * of a fixed number of entries; the count is even, so every FAT12 piece starts on a byte boundary
 * (two 12-bit entries are exactly three bytes) and no entry straddles two pieces.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import type { FatGeometry } from './fat-boot-sector.js';

/** Entries decoded per read: 768 KiB of FAT12, 1 MiB of FAT16 or 2 MiB of FAT32 at most. */
export const FAT_ENTRIES_PER_PIECE = 1 << 19;

/** The "bad cluster" mark at each width; such clusters hold nothing worth copying. */
const BAD_CLUSTER = { 12: 0xff7, 16: 0xfff7, 32: 0x0ffffff7 } as const;

/** End-of-chain marks start here (FAT32 value after masking). */
export const END_OF_CHAIN = { 12: 0xff8, 16: 0xfff8, 32: 0x0ffffff8 } as const;

/** Byte offset of the FAT copy that holds the allocation. */
function fatStartBytes(geometry: FatGeometry): number {
  return (geometry.reservedSectors + geometry.activeFat * geometry.sectorsPerFat) * geometry.bytesPerSector;
}

/**
 * Entry `index` of a piece of FAT that starts at an even entry. FAT32 entries keep their top four
 * bits for other uses, so they are masked off.
 */
function entryAt(bytes: Uint8Array, view: DataView, index: number, bits: 12 | 16 | 32): number {
  if (bits === 32) return view.getUint32(index * 4, true) & 0x0fffffff;
  if (bits === 16) return view.getUint16(index * 2, true);
  const at = (index * 3) >>> 1;
  const pair = (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
  return index & 1 ? pair >>> 4 : pair & 0xfff;
}

/** One FAT entry (for following a cluster chain, or the flags in entry 1). */
export async function readFatEntry(source: ByteSource, geometry: FatGeometry, cluster: number): Promise<number> {
  const bits = geometry.entryBits;
  // Read from the even entry at or before `cluster`, so the FAT12 nibble arithmetic is the same.
  const even = cluster & ~1;
  const startByte = (even * bits) / 8;
  const bytes = await source.readAt(fatStartBytes(geometry) + startByte, Math.ceil(((cluster + 1) * bits) / 8) - startByte);
  return entryAt(bytes, dataView(bytes), cluster - even, bits);
}

/**
 * Calls `onRun(firstCluster, count)` for every run of consecutive clusters whose entry is neither
 * free (0) nor bad, in ascending order, and returns how many clusters are in use. Reads only the
 * entries of clusters that exist (2 .. clusterCount + 1), in pieces of `entriesPerPiece` (tests
 * pass small ones to exercise the piece boundaries; it is rounded down to an even number).
 */
export async function forEachUsedClusterRun(
  source: ByteSource,
  geometry: FatGeometry,
  onRun: (firstCluster: number, count: number) => void,
  entriesPerPiece = FAT_ENTRIES_PER_PIECE,
): Promise<number> {
  const piece = Math.max(2, Math.min(FAT_ENTRIES_PER_PIECE, entriesPerPiece) & ~1);
  const bits = geometry.entryBits;
  const bad = BAD_CLUSTER[bits];
  const entries = geometry.clusterCount + 2;
  const fatStart = fatStartBytes(geometry);
  let used = 0;
  let runStart = -1;
  for (let first = 0; first < entries; first += piece) {
    const end = Math.min(entries, first + piece);
    const startByte = (first * bits) / 8;
    const bytes = await source.readAt(fatStart + startByte, Math.ceil((end * bits) / 8) - startByte);
    const view = dataView(bytes);
    for (let cluster = Math.max(first, 2); cluster < end; cluster++) {
      const value = entryAt(bytes, view, cluster - first, bits);
      if (value !== 0 && value !== bad) {
        used++;
        if (runStart < 0) runStart = cluster;
      } else if (runStart >= 0) {
        onRun(runStart, cluster - runStart);
        runStart = -1;
      }
    }
  }
  if (runStart >= 0) onRun(runStart, entries - runStart);
  return used;
}
