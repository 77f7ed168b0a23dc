/**
 * $Bitmap (MFT record 6): one bit per cluster, LSB-first, set when the cluster is allocated.
 * It is read in pieces so a huge volume's bitmap never sits in memory whole.
 */
import { collectDataRuns } from './attribute-list.js';
import { attributesNamed, DATA } from './ntfs-attributes.js';
import type { DataRun } from './data-runs.js';
import { ntfsCorrupt } from './ntfs-errors.js';
import { BITMAP_RECORD, type NtfsVolume } from './ntfs-volume.js';

/** The most of $Bitmap held at once: 4 MiB covers 32 Mi clusters (128 GiB at 4 KiB clusters). */
export const BITMAP_PIECE_BYTES = 4 * 1024 * 1024;

/** Receives consecutive pieces of the bitmap; bit i of `bits` is cluster `firstCluster + i`. */
export type BitmapVisitor = (bits: Uint8Array, firstCluster: number, bitCount: number) => void;

/**
 * Calls `visit` for the bitmap's bits covering exactly the volume's clusters (padding bits
 * past the last cluster are ignored) and returns the runs $Bitmap itself occupies (empty when
 * resident). A bitmap too short for the volume, or stored sparse, is CORRUPT_FILESYSTEM.
 */
export async function readClusterBitmap(volume: NtfsVolume, visit: BitmapVisitor): Promise<DataRun[]> {
  const { clusterCount } = volume.geometry;
  const neededBytes = Math.ceil(clusterCount / 8);
  const record = await volume.readRecord(BITMAP_RECORD);
  const resident = attributesNamed(record, DATA).find((attribute) => attribute.value !== null);
  if (resident?.value) {
    if (resident.value.length < neededBytes) throw shortBitmap(resident.value.length, neededBytes, clusterCount);
    visit(resident.value, 0, clusterCount);
    return [];
  }
  const bitmap = await collectDataRuns(volume, record, DATA, []);
  if (bitmap.initializedSizeBytes < neededBytes) throw shortBitmap(bitmap.initializedSizeBytes, neededBytes, clusterCount);
  for (let offset = 0; offset < neededBytes; offset += BITMAP_PIECE_BYTES) {
    const pieceBytes = Math.min(BITMAP_PIECE_BYTES, neededBytes - offset);
    const bits = await volume.readRuns(bitmap.runs, offset, pieceBytes, '$Bitmap');
    visit(bits, offset * 8, Math.min(pieceBytes * 8, clusterCount - offset * 8));
  }
  return bitmap.runs;
}

function shortBitmap(haveBytes: number, neededBytes: number, clusterCount: number): Error {
  return ntfsCorrupt(`$Bitmap holds ${haveBytes} bytes, but the volume's ${clusterCount} clusters need ${neededBytes}`);
}

const BITS_IN_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0;
  for (let b = byte; b !== 0; b >>>= 1) count += b & 1;
  return count;
});

/** Set bits among the first `bitCount` bits of an LSB-first bitmap. */
export function countSetBits(bits: Uint8Array, bitCount: number): number {
  const wholeBytes = Math.min(bits.length, Math.floor(bitCount / 8));
  let count = 0;
  for (let i = 0; i < wholeBytes; i++) count += BITS_IN_BYTE[bits[i] ?? 0] ?? 0;
  const rest = bitCount - wholeBytes * 8;
  if (rest > 0 && wholeBytes < bits.length) count += BITS_IN_BYTE[(bits[wholeBytes] ?? 0) & ((1 << rest) - 1)] ?? 0;
  return count;
}
