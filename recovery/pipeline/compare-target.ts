/**
 * Reads a disk back and compares it with what it should hold: every used chunk by SHA-256 (in the
 * workers) and every partition-table sector byte for byte. Used by `verify --against`,
 * `restore --verify` and `clone --verify`.
 */
import { LifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import type { PlannedWrite } from '../partitions/partition-table.js';
import { isZeroDigest } from '../repository/format-constants.js';
import { readChunk } from './chunk-io.js';
import { usedChunks } from './extents.js';
import { InFlight } from './in-flight.js';
import type { ProgressTracker } from './progress.js';
import type { WorkerPool } from './worker-pool.js';
import type { TargetExtent } from './write-target.js';

export interface CompareJob {
  disk: Disk;
  extents: TargetExtent[];
  chunkBytes: number;
  tableWrites: PlannedWrite[];
  expected(extentIndex: number, chunkIndex: number): Uint8Array;
  describe(extentIndex: number, chunkIndex: number): string;
  pool: WorkerPool;
  progress: ProgressTracker;
  /** Stops the comparison at the next chunk (CANCELLED); it only reads, so stopping is always safe. */
  signal?: AbortSignal;
}

/** At most this many differences are listed; the count covers all of them. */
const MAX_LISTED = 50;

export interface CompareResult {
  checkedChunks: number;
  mismatchCount: number;
  mismatches: string[];
}

export async function compareTarget(job: CompareJob): Promise<CompareResult> {
  const { disk, progress } = job;
  const mismatches: string[] = [];
  let mismatchCount = 0;
  let checkedChunks = 0;
  const note = (sentence: string) => {
    mismatchCount++;
    if (mismatches.length < MAX_LISTED) mismatches.push(sentence);
  };
  for (const write of job.tableWrites) {
    const bytes = await disk.readAt(write.offsetBytes, write.bytes.length);
    if (!Buffer.from(bytes).equals(Buffer.from(write.bytes)))
      note(`The ${write.what} at byte ${write.offsetBytes} differs from the snapshot's partition table.`);
  }
  progress.startPhase(
    'readback',
    job.extents.reduce((sum, e) => sum + e.usedBytes, 0),
  );
  const inFlight = new InFlight(job.pool.threads * 2 + 2);
  for (const [e, extent] of job.extents.entries()) {
    progress.startItem(e + 1, job.extents.length, extent.label, extent.usedBytes);
    for (const slice of usedChunks(extent.ranges, extent.sizeBytes, job.chunkBytes, disk.logicalSectorSize)) {
      if (job.signal?.aborted) throw new LifeboatError('CANCELLED', `The read-back of ${disk.path} was cancelled; nothing was changed by it.`);
      const data = await readChunk(disk, extent.targetStartBytes, slice);
      await inFlight.start(async () => {
        const answer = await job.pool.run({ kind: 'hash', data }, [data.buffer as ArrayBuffer]);
        const expected = job.expected(e, slice.index);
        checkedChunks++;
        const same =
          answer.kind === 'hash' && (isZeroDigest(expected) ? answer.zero : !answer.zero && Buffer.from(answer.digest).equals(Buffer.from(expected)));
        if (!same) note(`The used bytes of ${job.describe(e, slice.index)} differ from the snapshot.`);
        progress.advance(slice.usedBytes);
      });
    }
  }
  await inFlight.drain();
  return { checkedChunks, mismatchCount, mismatches };
}
