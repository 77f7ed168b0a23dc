/**
 * The write side shared by restore and clone, in the order DESIGN.md's restore rules require:
 *
 *   clear   zeros over both guard zones (guard-zones.ts: the first and last MiB, where every
 *           partition table and nearly every signature lives) and over stale table sectors;
 *           restore's journal goes into the head zone in the same write; flush.
 *   discard optional: free space only (discard-free.ts).
 *   data    used data outside the guard zones, chunk by chunk; restore checkpoints its progress
 *           in the journal every second (flush, journal record, flush); flush at the end.
 *   final   the guard zones' final bytes with the partition table, MBR last (write-final-step.ts);
 *           then the kernel re-reads the table.
 *
 * A crash at any moment before the final step leaves a target on which nothing recognises a
 * partition table or a filesystem, never a half-restored disk that looks whole; a restore can
 * then continue from its last checkpoint (`--resume`).
 */
import { LifeboatError } from '../core/errors.js';
import { failpoint, failpointArmed } from '../core/failpoints/failpoint.js';
import type { Disk } from '../disks/disk.js';
import type { PlannedWrite } from '../partitions/partition-table.js';
import { discardFree, discardSpans, usedSpans, DEFAULT_MINIMUM_DISCARD_BYTES, type DiscardOutcome, type DiscardRequest } from './discard-free.js';
import { usedChunks, type ChunkSlice } from './extents.js';
import { guardZones, piecesOutside, spanOfWrite, zoneClearWrites, type WriteRegion } from './guard-zones.js';
import { InFlight } from './in-flight.js';
import type { ProgressTracker } from './progress.js';
import { writeFinalStep } from './write-final-step.js';

export interface TargetExtent {
  label: string;
  targetStartBytes: number;
  sizeBytes: number;
  /** Used (first sector, count) pairs, extent-relative. */
  ranges: Float64Array;
  usedBytes: number;
}

/** Restore's durable progress: where to start, and the journal records to write on the way. */
export interface Checkpoints {
  /** Chunks (in write order over all extents) already written and flushed: skipped. */
  readonly doneChunks: number;
  readonly doneBytes: number;
  /** The journal record that goes into the clear step's write. */
  first(): PlannedWrite;
  /** The record saying `chunks` chunks holding `bytes` used bytes are durable. */
  next(chunks: number, bytes: number): PlannedWrite;
  /** A checkpoint is due after this long, or after `everyBytes` more used bytes, whichever comes first. */
  everyMs: number;
  everyBytes: number;
}

export interface WriteTargetJob {
  target: Disk;
  extents: TargetExtent[];
  chunkBytes: number;
  /** Sectors to zero before any data besides the guard zones (old backup GPT headers). */
  clearWrites: PlannedWrite[];
  tableWrites: PlannedWrite[];
  /** The span of the target this write owns (default: all of it); its guard zones are derived from it. */
  region?: WriteRegion;
  /** The proven plaintext of one chunk (restore: hash-checked; clone: read from the source). */
  supply(extentIndex: number, slice: ChunkSlice): Promise<Uint8Array>;
  /** Called with each chunk after it was written (clone hashes it for its read-back). */
  written?: (extentIndex: number, slice: ChunkSlice, data: Uint8Array) => Promise<void>;
  progress: ProgressTracker;
  inFlight: number;
  signal?: AbortSignal;
  checkpoints?: Checkpoints;
  discard?: DiscardRequest;
  /** Asks the kernel to re-read the new table (block devices only). */
  reread?: () => Promise<void>;
}

export interface WriteTargetResult {
  /** Used bytes this run wrote (a resumed restore skips what its journal says is durable). */
  writtenBytes: number;
  skippedBytes: number;
  discard: DiscardOutcome | null;
}

async function writeAll(target: Disk, writes: readonly PlannedWrite[]): Promise<void> {
  for (const write of writes) await target.writeAt(write.offsetBytes, write.bytes);
}

export function cancelled(operation: string): LifeboatError {
  const resume = operation === 'restore' ? ' Run it again with --resume to continue, or without to start over.' : ' Run it again to finish.';
  return new LifeboatError('CANCELLED', `The ${operation} was cancelled; the target has no partition table now.${resume}`);
}

/** The first write of the clear step: the head zone's zeros with the journal record inside. */
function clearStep(job: WriteTargetJob, region: WriteRegion): PlannedWrite[] {
  const zones = guardZones(region);
  const writes = zoneClearWrites(zones);
  const record = job.checkpoints?.first();
  const head = writes[0];
  if (record && head) head.bytes.set(record.bytes, record.offsetBytes - head.offsetBytes);
  return [...writes, ...job.clearWrites];
}

async function writeData(job: WriteTargetJob, region: WriteRegion, operation: 'restore' | 'clone'): Promise<{ writtenBytes: number; skippedBytes: number }> {
  const { target, progress, checkpoints } = job;
  const zones = guardZones(region);
  const sectorBytes = target.logicalSectorSize;
  const startChunk = checkpoints?.doneChunks ?? 0;
  const skippedBytes = checkpoints?.doneBytes ?? 0;
  progress.startPhase('data', job.extents.reduce((sum, e) => sum + e.usedBytes, 0) - skippedBytes);
  // The watermark: every chunk below it is written. Chunks finish out of order (several are in flight).
  let watermark = startChunk;
  let bytesBelow = skippedBytes;
  const finished = new Map<number, number>();
  const finish = (ordinal: number, bytes: number) => {
    finished.set(ordinal, bytes);
    while (finished.has(watermark)) {
      bytesBelow += finished.get(watermark) ?? 0;
      finished.delete(watermark);
      watermark++;
    }
  };
  let lastCheckpointMs = Date.now();
  let recorded = startChunk;
  let recordedBytes = skippedBytes;
  const checkpoint = async (periodic = true) => {
    if (!checkpoints || watermark === recorded) return;
    // Read before the flush: whatever finished by now is on the disk once it returns.
    const chunks = watermark;
    const bytes = bytesBelow;
    await target.flush();
    await writeAll(target, [checkpoints.next(chunks, bytes)]);
    await target.flush();
    recorded = chunks;
    recordedBytes = bytes;
    lastCheckpointMs = Date.now();
    progress.durable(bytes);
    if (periodic) failpoint('restore.checkpoint');
  };
  // Armed for a crash test, a checkpoint is due after every `everyBytes` of data started (not by
  // the clock, nor by what happened to finish) and waits for those chunks: restore.checkpoint:N
  // then lands before the same chunk and records the same chunks on every machine.
  const exact = failpointArmed();
  let startedBytes = skippedBytes;
  const due = () => {
    if (!checkpoints) return false;
    if (exact) return startedBytes - recordedBytes >= checkpoints.everyBytes;
    return Date.now() - lastCheckpointMs >= checkpoints.everyMs || bytesBelow - recordedBytes >= checkpoints.everyBytes;
  };
  const inFlight = new InFlight(job.inFlight);
  let ordinal = 0;
  let writtenBytes = 0;
  try {
    for (const [e, extent] of job.extents.entries()) {
      // A first pass only counts (no buffers): how much of this extent a resume skips.
      let extentSkipped = 0;
      let skip = 0;
      for (const slice of usedChunks(extent.ranges, extent.sizeBytes, job.chunkBytes, sectorBytes)) {
        if (ordinal + skip >= startChunk) break;
        extentSkipped += slice.usedBytes;
        skip++;
      }
      progress.startItem(e + 1, job.extents.length, extent.label, extent.usedBytes - extentSkipped);
      let seen = 0;
      for (const slice of usedChunks(extent.ranges, extent.sizeBytes, job.chunkBytes, sectorBytes)) {
        const mine = ordinal++;
        if (seen++ < skip) continue;
        if (job.signal?.aborted) throw cancelled(operation);
        if (due()) {
          if (exact) await inFlight.drain();
          await checkpoint();
        }
        startedBytes += slice.usedBytes;
        await inFlight.start(async () => {
          const data = await job.supply(e, slice);
          for (const piece of piecesOutside(slice.pieces, extent.targetStartBytes, zones)) {
            const from = piece.offsetBytes - slice.offsetBytes;
            await target.writeAt(extent.targetStartBytes + piece.offsetBytes, data.subarray(from, from + piece.lengthBytes));
          }
          await job.written?.(e, slice, data);
          writtenBytes += slice.usedBytes;
          progress.advance(slice.usedBytes);
          finish(mine, slice.usedBytes);
        });
      }
    }
    await inFlight.drain();
  } catch (error) {
    // No write may still be on its way when the caller closes the disk or reports the failure.
    await inFlight.drain().catch(() => undefined);
    // A cancelled restore records everything it finished, so --resume loses nothing of it.
    if (error instanceof LifeboatError && error.code === 'CANCELLED' && !inFlight.failed) await checkpoint().catch(() => undefined);
    throw error;
  }
  progress.startPhase('flush', 0);
  await target.flush();
  // Everything is durable: a crash in the final step resumes straight into it.
  await checkpoint(false);
  if (operation === 'restore') failpoint('restore.after-data');
  return { writtenBytes, skippedBytes };
}

export async function writeTarget(job: WriteTargetJob, operation: 'restore' | 'clone'): Promise<WriteTargetResult> {
  const { target, progress } = job;
  const region = job.region ?? { offsetBytes: 0, sizeBytes: target.sizeBytes };
  const zones = guardZones(region);
  const clear = clearStep(job, region);
  progress.startPhase(
    'clear',
    clear.reduce((sum, w) => sum + w.bytes.length, 0),
  );
  // The head zone first: the MBR is the first sector to go, and with it every table a prober reads.
  const [head, ...rest] = clear;
  if (head) await target.writeAt(head.offsetBytes, head.bytes);
  if (operation === 'restore') failpoint('restore.after-clear-head');
  await writeAll(target, rest);
  progress.advance(clear.reduce((sum, w) => sum + w.bytes.length, 0));
  await target.flush();
  if (operation === 'restore') failpoint('restore.after-clear');
  if (job.checkpoints) progress.durable(job.checkpoints.doneBytes);

  let discard: DiscardOutcome | null = null;
  if (job.discard) {
    const keep = [...zones, ...job.tableWrites.map(spanOfWrite)];
    const spans = discardSpans(
      region,
      usedSpans(job.extents, target.logicalSectorSize),
      keep,
      job.discard.granularityBytes,
      job.discard.minimumRunBytes ?? DEFAULT_MINIMUM_DISCARD_BYTES,
    );
    discard = await discardFree(target, spans, job.discard, progress);
  }

  const { writtenBytes, skippedBytes } = await writeData(job, region, operation);
  if (job.signal?.aborted) throw cancelled(operation);

  const finalBytes = zones.reduce((sum, z) => sum + z.endBytes - z.startBytes, 0);
  progress.startPhase('table', finalBytes);
  await writeFinalStep({ target, extents: job.extents, chunkBytes: job.chunkBytes, zones, tableWrites: job.tableWrites, supply: job.supply, operation });
  progress.advance(finalBytes);
  if (job.tableWrites.length > 0) {
    progress.startPhase('flush', 0);
    await job.reread?.();
  }
  return { writtenBytes, skippedBytes, discard };
}
