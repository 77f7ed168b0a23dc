/**
 * `restore --discard`: tells the target that the bytes no extent uses hold nothing worth keeping
 * (TRIM on an SSD, hole punching on a loop device), through the helper's discard operation.
 * Only whole discard granules inside free space are named, so a used byte is never discarded;
 * runs shorter than a minimum are left alone, because every discard is a helper round trip and a
 * device command, and a fragmented filesystem has hundreds of thousands of tiny free runs.
 */
import type { Disk } from '../disks/disk.js';
import { subtractSpans, type ByteSpan, type WriteRegion } from './guard-zones.js';
import type { ProgressTracker } from './progress.js';
import type { TargetExtent } from './write-target.js';

export const DEFAULT_MINIMUM_DISCARD_BYTES = 1024 * 1024;

export interface DiscardRequest {
  /** The device's discard granularity (discard_granularity); discards cover whole granules only. */
  granularityBytes: number;
  minimumRunBytes?: number;
  /** A sentence for the user when discarding is impossible or stops; the restore goes on. */
  warn(sentence: string): void;
}

export interface DiscardOutcome {
  discardedBytes: number;
  discardedRanges: number;
}

/** Every used byte of the extents, as target spans. */
export function usedSpans(extents: readonly TargetExtent[], sectorBytes: number): ByteSpan[] {
  const spans: ByteSpan[] = [];
  for (const extent of extents) {
    for (let r = 0; r < extent.ranges.length; r += 2) {
      const start = extent.targetStartBytes + (extent.ranges[r] ?? 0) * sectorBytes;
      const end = Math.min(extent.targetStartBytes + extent.sizeBytes, start + (extent.ranges[r + 1] ?? 0) * sectorBytes);
      if (end > start) spans.push({ startBytes: start, endBytes: end });
    }
  }
  return spans;
}

/** The spans of the region worth discarding: free of used data and of `keep`, whole granules, long enough. */
export function discardSpans(
  region: WriteRegion,
  used: readonly ByteSpan[],
  keep: readonly ByteSpan[],
  granularityBytes: number,
  minimumRunBytes: number,
): ByteSpan[] {
  const free = subtractSpans([{ startBytes: region.offsetBytes, endBytes: region.offsetBytes + region.sizeBytes }], [...used, ...keep]);
  const g = Math.max(1, granularityBytes);
  return free
    .map((span) => ({ startBytes: Math.ceil(span.startBytes / g) * g, endBytes: Math.floor(span.endBytes / g) * g }))
    .filter((span) => span.endBytes - span.startBytes >= Math.max(g, minimumRunBytes));
}

export async function discardFree(target: Disk, spans: readonly ByteSpan[], request: DiscardRequest, progress: ProgressTracker): Promise<DiscardOutcome> {
  const outcome: DiscardOutcome = { discardedBytes: 0, discardedRanges: 0 };
  if (!target.canDiscard) {
    request.warn(`${target.path} does not support discard (TRIM); its free space keeps its old content. The restore goes on.`);
    return outcome;
  }
  progress.startPhase(
    'discard',
    spans.reduce((sum, s) => sum + s.endBytes - s.startBytes, 0),
  );
  for (const span of spans) {
    const length = span.endBytes - span.startBytes;
    try {
      await target.discard(span.startBytes, length);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      request.warn(
        `Discarding free space on ${target.path} stopped after ${outcome.discardedRanges} range(s): ${why} The rest of the free space keeps its old content; the restore goes on.`,
      );
      return outcome;
    }
    outcome.discardedBytes += length;
    outcome.discardedRanges++;
    progress.advance(length);
  }
  return outcome;
}
