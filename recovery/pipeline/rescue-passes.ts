/**
 * The retry passes of a --rescue capture, ddrescue style. The data pass skipped every span it
 * could not read; each retry pass reads what is still missing in smaller aligned pieces
 * (1 MiB, 64 KiB, 4 KiB, then single sectors), so the unreadable area shrinks pass by pass to
 * exactly the sectors that cannot be read. Every piece is tried once per pass and never again at
 * the same size, so the number of reads is bounded by the size of the bad areas.
 */
import { LifeboatError } from '../core/errors.js';
import { formatBytes } from '../core/format-bytes.js';
import type { RescuePassRecord } from '../repository/snapshot-types.js';
import type { ProgressTracker } from './progress.js';
import { isMediaError, type ExactReader } from './rescue-reader.js';
import type { RescueSpill } from './rescue-spill.js';

/** A stretch of used bytes not read yet. Offsets are bytes from the start of the disk. */
export interface BadArea {
  offsetBytes: number;
  lengthBytes: number;
  extent: number;
  /** The parked chunk it belongs to, and where that chunk starts on the disk. */
  slot: number;
  chunkStartBytes: number;
  /** True when this exact area was already read as one piece and failed. */
  triedWhole: boolean;
}

/** The read sizes of the retry passes: shrinking, ending at one logical sector. */
export function retrySizes(sectorBytes: number): number[] {
  const sizes = [1024 * 1024, 64 * 1024, 4 * 1024].filter((size) => size > sectorBytes);
  return [...sizes, sectorBytes];
}

export interface RetryHooks {
  progress: ProgressTracker;
  signal?: AbortSignal | undefined;
}

/** Splits an area at multiples of `size` (from the disk's start), so pieces line up with the device's own blocks. */
function piecesOf(area: BadArea, size: number): BadArea[] {
  const pieces: BadArea[] = [];
  const end = area.offsetBytes + area.lengthBytes;
  for (let from = area.offsetBytes; from < end; ) {
    const to = Math.min(end, (Math.floor(from / size) + 1) * size);
    pieces.push({ ...area, offsetBytes: from, lengthBytes: to - from, triedWhole: false });
    from = to;
  }
  return pieces;
}

/** One retry pass: every area is read again in pieces of `size`; what fails is what is left. */
async function retryPass(
  areas: BadArea[],
  size: number,
  exact: ExactReader,
  spill: RescueSpill,
  hooks: RetryHooks,
  name: string,
): Promise<{ left: BadArea[]; record: RescuePassRecord }> {
  const started = Date.now();
  const record: RescuePassRecord = { name, readSizeBytes: size, reads: 0, failedReads: 0, recoveredBytes: 0, seconds: 0 };
  const left: BadArea[] = [];
  for (const area of areas) {
    const pieces = piecesOf(area, size);
    if (pieces.length === 1 && area.triedWhole) {
      // The same read already failed: only smaller reads can tell more.
      left.push(area);
      hooks.progress.advance(area.lengthBytes);
      continue;
    }
    for (const piece of pieces) {
      if (hooks.signal?.aborted) throw new LifeboatError('CANCELLED', 'The capture was cancelled; no snapshot was written.');
      record.reads++;
      try {
        const bytes = await exact.readAt(piece.offsetBytes, piece.lengthBytes);
        await spill.write(piece.slot, piece.offsetBytes - piece.chunkStartBytes, bytes);
        record.recoveredBytes += piece.lengthBytes;
      } catch (error) {
        if (!isMediaError(error)) throw error;
        record.failedReads++;
        left.push({ ...piece, triedWhole: true });
      }
      hooks.progress.advance(piece.lengthBytes);
    }
  }
  record.seconds = (Date.now() - started) / 1000;
  return { left, record };
}

/**
 * Runs the retry passes over the data pass's bad areas (sorted by offset). Returns the areas
 * that stayed unreadable (single sectors or runs of them) and what each pass did.
 */
export async function runRetryPasses(
  areas: BadArea[],
  sectorBytes: number,
  exact: ExactReader,
  spill: RescueSpill,
  hooks: RetryHooks,
): Promise<{ unreadable: BadArea[]; passes: RescuePassRecord[] }> {
  const sizes = retrySizes(sectorBytes);
  const passes: RescuePassRecord[] = [];
  let left = areas;
  for (const [i, size] of sizes.entries()) {
    if (left.length === 0) break;
    const name = `pass ${i + 2}: retry with ${formatBytes(size)} reads`;
    const total = left.reduce((sum, area) => sum + area.lengthBytes, 0);
    hooks.progress.startPhase('rescue', total);
    hooks.progress.startItem(i + 1, sizes.length, name, total);
    const { left: next, record } = await retryPass(left, size, exact, spill, hooks, name);
    passes.push(record);
    left = next;
  }
  return { unreadable: left, passes };
}

/** The unreadable areas as (first sector, sector count) pairs, joined where they touch within one extent. */
export function badSectorPairs(unreadable: readonly BadArea[], sectorBytes: number): Float64Array {
  const sorted = [...unreadable].sort((a, b) => a.offsetBytes - b.offsetBytes);
  const pairs: number[] = [];
  let lastExtent = -1;
  for (const area of sorted) {
    const first = area.offsetBytes / sectorBytes;
    const count = area.lengthBytes / sectorBytes;
    const at = pairs.length - 2;
    if (at >= 0 && area.extent === lastExtent && (pairs[at] ?? 0) + (pairs[at + 1] ?? 0) === first) pairs[at + 1] = (pairs[at + 1] ?? 0) + count;
    else pairs.push(first, count);
    lastExtent = area.extent;
  }
  return Float64Array.from(pairs);
}
