/**
 * The write side shared by restore and clone, in the order DESIGN.md's restore rules require:
 * clear the old table's signatures, write used data, flush, write the partition table last,
 * flush, ask the kernel to re-read. A crash at any point before the table is written leaves a
 * disk without a valid partition table, never a half-restored disk that looks whole.
 */
import { LifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import type { PlannedWrite } from '../partitions/partition-table.js';
import { writeChunk } from './chunk-io.js';
import { usedChunks, type ChunkSlice } from './extents.js';
import { InFlight } from './in-flight.js';
import type { ProgressTracker } from './progress.js';

export interface TargetExtent {
  label: string;
  targetStartBytes: number;
  sizeBytes: number;
  /** Used (first sector, count) pairs, extent-relative. */
  ranges: Float64Array;
  usedBytes: number;
}

export interface WriteTargetJob {
  target: Disk;
  extents: TargetExtent[];
  chunkBytes: number;
  clearWrites: PlannedWrite[];
  tableWrites: PlannedWrite[];
  /** The proven plaintext of one chunk (restore: hash-checked; clone: read from the source). */
  supply(extentIndex: number, slice: ChunkSlice): Promise<Uint8Array>;
  /** Called with each chunk after it was written (clone hashes it for its read-back). */
  written?: (extentIndex: number, slice: ChunkSlice, data: Uint8Array) => Promise<void>;
  progress: ProgressTracker;
  inFlight: number;
  signal?: AbortSignal;
  /** Asks the kernel to re-read the new table (block devices only). */
  reread?: () => Promise<void>;
}

async function writeAll(target: Disk, writes: readonly PlannedWrite[]): Promise<void> {
  for (const write of writes) await target.writeAt(write.offsetBytes, write.bytes);
}

export function cancelled(operation: string): LifeboatError {
  return new LifeboatError('CANCELLED', `The ${operation} was cancelled; the target has no partition table now. Run it again to finish.`);
}

export async function writeTarget(job: WriteTargetJob, operation: 'restore' | 'clone'): Promise<void> {
  const { target, progress } = job;
  if (job.clearWrites.length > 0) {
    progress.startPhase('clear', job.clearWrites.length * target.logicalSectorSize);
    await writeAll(target, job.clearWrites);
    await target.flush();
  }
  progress.startPhase('data', job.extents.reduce((sum, e) => sum + e.usedBytes, 0));
  const inFlight = new InFlight(job.inFlight);
  try {
    for (const [e, extent] of job.extents.entries()) {
      progress.startItem(e + 1, job.extents.length, extent.label, extent.usedBytes);
      for (const slice of usedChunks(extent.ranges, extent.sizeBytes, job.chunkBytes, target.logicalSectorSize)) {
        if (job.signal?.aborted) throw cancelled(operation);
        await inFlight.start(async () => {
          const data = await job.supply(e, slice);
          await writeChunk(target, extent.targetStartBytes, slice, data);
          await job.written?.(e, slice, data);
          progress.advance(slice.usedBytes);
        });
      }
    }
    await inFlight.drain();
  } catch (error) {
    // No write may still be on its way when the caller closes the disk or reports the failure.
    await inFlight.drain().catch(() => undefined);
    throw error;
  }
  progress.startPhase('flush', 0);
  await target.flush();
  if (job.tableWrites.length > 0) {
    progress.startPhase('table', job.tableWrites.reduce((sum, w) => sum + w.bytes.length, 0));
    await writeAll(target, job.tableWrites);
    progress.advance(job.tableWrites.reduce((sum, w) => sum + w.bytes.length, 0));
    progress.startPhase('flush', 0);
    await target.flush();
    await job.reread?.();
  }
}
