/**
 * The exFAT allocation bitmap: bit n (LSB-first) says whether cluster n + 2 is in use. Files
 * marked NoFatChain have no FAT chain at all, so the bitmap, not the FAT, is the truth about
 * allocation. Like the Linux kernel and libexfat, the bitmap is read as one contiguous run of
 * clusters from its first cluster.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { exfatCorrupt } from '../fat/fat-errors.js';
import type { ExfatGeometry } from './exfat-boot-sector.js';
import { clusterOffsetBytes, type AllocationBitmapEntry } from './exfat-root-directory.js';

/** The bitmap is read 1 MiB (8 Mi clusters) at a time; a full 2^32-cluster bitmap is 512 MiB. */
export const BITMAP_PIECE_BYTES = 1024 * 1024;

/** The bitmap that goes with the active FAT (the only one unless the volume has two FATs). */
export function activeBitmap(geometry: ExfatGeometry, bitmaps: AllocationBitmapEntry[]): AllocationBitmapEntry {
  const chosen = bitmaps.find((b) => b.fatIndex === geometry.activeFat) ?? bitmaps[0];
  if (chosen === undefined) throw exfatCorrupt('The root directory has no allocation bitmap entry (type 0x81)');
  const neededBytes = Math.ceil(geometry.clusterCount / 8);
  if (chosen.lengthBytes < neededBytes) {
    throw exfatCorrupt(`The allocation bitmap is ${chosen.lengthBytes} bytes but ${geometry.clusterCount} clusters need ${neededBytes}`);
  }
  const lastCluster = chosen.firstCluster + Math.ceil(neededBytes / geometry.clusterSizeBytes) - 1;
  if (chosen.firstCluster < 2 || lastCluster > geometry.clusterCount + 1) {
    throw exfatCorrupt(
      `The allocation bitmap lies at clusters ${chosen.firstCluster} to ${lastCluster}, outside the cluster heap (clusters 2 to ${geometry.clusterCount + 1})`,
    );
  }
  return chosen;
}

/**
 * Calls `onRun(firstCluster, count)` for every run of clusters set in the bitmap, in order, and
 * returns how many clusters are set. Only the clusterCount meaningful bits are looked at; they
 * are read `pieceBytes` at a time (tests pass small pieces to exercise the boundaries).
 */
export async function forEachAllocatedClusterRun(
  source: ByteSource,
  geometry: ExfatGeometry,
  bitmap: AllocationBitmapEntry,
  onRun: (firstCluster: number, count: number) => void,
  pieceBytes = BITMAP_PIECE_BYTES,
): Promise<number> {
  const pieceBits = Math.max(1, Math.min(BITMAP_PIECE_BYTES, Math.floor(pieceBytes))) * 8;
  const bits = geometry.clusterCount;
  const start = clusterOffsetBytes(geometry, bitmap.firstCluster);
  let used = 0;
  let runStart = -1;
  const close = (end: number): void => {
    if (runStart < 0) return;
    onRun(runStart + 2, end - runStart);
    used += end - runStart;
    runStart = -1;
  };
  for (let firstBit = 0; firstBit < bits; firstBit += pieceBits) {
    const count = Math.min(pieceBits, bits - firstBit);
    const piece = await source.readAt(start + firstBit / 8, Math.ceil(count / 8));
    let i = 0;
    while (i < count) {
      const byte = piece[i >>> 3] ?? 0;
      // Whole bytes of 0x00 or 0xFF are the common case: step over them eight bits at a time.
      if ((i & 7) === 0 && i + 8 <= count && (byte === 0 || byte === 0xff)) {
        if (byte === 0xff) {
          if (runStart < 0) runStart = firstBit + i;
        } else {
          close(firstBit + i);
        }
        i += 8;
        continue;
      }
      if ((byte >>> (i & 7)) & 1) {
        if (runStart < 0) runStart = firstBit + i;
      } else {
        close(firstBit + i);
      }
      i++;
    }
  }
  close(bits);
  return used;
}
