/**
 * The failing source as the owner mappers see it after a --rescue capture: sectors known to be
 * unreadable read as zeros without touching the disk (as they are in the image), and any new
 * read error gives zeros too, so naming the damaged files can never stop or stall on them.
 */
import type { SectorReader } from '../core/byte-source.js';
import type { Disk } from '../disks/disk.js';
import { isMediaError, type ExactReader } from './rescue-reader.js';

/** Index of the first pair ending after `sector`, in sorted (first, count) pairs. */
function firstPairEndingAfter(pairs: Float64Array, sector: number): number {
  let low = 0;
  let high = pairs.length / 2;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((pairs[2 * middle] ?? 0) + (pairs[2 * middle + 1] ?? 0) <= sector) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function rescuedSectorReader(disk: Disk, exact: ExactReader, badPairs: Float64Array): SectorReader {
  const ss = disk.logicalSectorSize;
  const readGood = async (out: Uint8Array, at: number, offsetBytes: number, lengthBytes: number): Promise<void> => {
    try {
      out.set(await disk.readAt(offsetBytes, lengthBytes), at);
      return;
    } catch (error) {
      if (!isMediaError(error)) throw error;
    }
    // Through the page cache a good sector fails with a bad one in its page; read it exactly.
    try {
      out.set(await exact.readAt(offsetBytes, lengthBytes), at);
    } catch (error) {
      if (!isMediaError(error)) throw error;
    }
  };
  return {
    sizeBytes: disk.sizeBytes,
    logicalSectorSize: ss,
    async readAt(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      const out = new Uint8Array(lengthBytes);
      const end = offsetBytes + lengthBytes;
      let cursor = offsetBytes;
      for (let p = firstPairEndingAfter(badPairs, offsetBytes / ss); cursor < end && p < badPairs.length / 2; p++) {
        const badStart = (badPairs[2 * p] ?? 0) * ss;
        const badEnd = badStart + (badPairs[2 * p + 1] ?? 0) * ss;
        if (badStart >= end) break;
        if (badStart > cursor) await readGood(out, cursor - offsetBytes, cursor, badStart - cursor);
        cursor = Math.max(cursor, badEnd);
      }
      if (cursor < end) await readGood(out, cursor - offsetBytes, cursor, end - cursor);
      return out;
    },
  };
}
