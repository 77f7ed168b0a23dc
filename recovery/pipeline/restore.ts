/**
 * Restore: a snapshot onto a disk, or one partition onto a partition, following a RestorePlan.
 * By default every chunk the plan needs is read and proven first (phase "precheck"), so a damaged
 * image is refused before the target is touched; each chunk is proven again just before its
 * bytes are written. `verify` reads everything back afterwards.
 */
import { LifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import { compareTarget, type CompareResult } from './compare-target.js';
import { extentLabel } from './extents.js';
import { InFlight } from './in-flight.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import type { RestorePlan } from './restore-plan.js';
import { SnapshotChunks, chunkPlace, extentDigest, extentRanges, forEachDistinctChunk } from './snapshot-chunks.js';
import { WorkerPool } from './worker-pool.js';
import { writeTarget, type TargetExtent } from './write-target.js';

export interface RestoreOptions {
  repository: Repository;
  snapshot: Snapshot;
  plan: RestorePlan;
  target: Disk;
  /** Read back and compare everything written. */
  verify?: boolean;
  /** Prove every chunk before the first write (default true). */
  precheck?: boolean;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  reread?: () => Promise<void>;
}

export interface RestoreResult {
  snapshotId: string;
  mode: RestorePlan['mode'];
  writtenBytes: number;
  durationSeconds: number;
  verification: CompareResult | null;
}

export function targetExtents(snapshot: Snapshot, plan: RestorePlan): TargetExtent[] {
  return plan.extents.map(({ extent, targetStartBytes }) => ({
    label: extentLabel(extent),
    targetStartBytes,
    sizeBytes: extent.sizeBytes,
    ranges: extentRanges(snapshot, extent),
    usedBytes: extent.usedBytes,
  }));
}

/** Reads and proves every distinct chunk the plan uses; throws on the first damaged or missing one. */
export async function proveChunks(chunks: SnapshotChunks, plan: RestorePlan, pool: WorkerPool, progress: ProgressTracker, signal?: AbortSignal): Promise<number> {
  const seen = new Set<string>();
  const inFlight = new InFlight(pool.threads * 2 + 2);
  progress.startPhase('precheck', plan.usedBytes);
  await forEachDistinctChunk(
    chunks.snapshot,
    plan.extents.map((e) => e.extent),
    seen,
    inFlight,
    progress,
    async (extent, slice) => {
      await chunks.read(extent, slice.index, slice.lengthBytes);
    },
    () => {
      if (signal?.aborted) throw new LifeboatError('CANCELLED', 'The restore was cancelled before anything was written.');
    },
  );
  await inFlight.drain();
  return seen.size;
}

export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const { snapshot, plan, target } = options;
  if (!target.writable) throw new LifeboatError('READ_ONLY', `${target.path} was opened read-only; a restore must write it.`);
  const progress = new ProgressTracker('restore', options.onProgress);
  const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
  const index = await options.repository.loadIndex();
  const chunks = new SnapshotChunks(options.repository.dir, snapshot, index, pool);
  try {
    if (options.precheck !== false) await proveChunks(chunks, plan, pool, progress, options.signal);
    const extents = targetExtents(snapshot, plan);
    await writeTarget(
      {
        target,
        extents,
        chunkBytes: snapshot.description.chunkSizeBytes,
        clearWrites: plan.clearWrites,
        tableWrites: plan.tableWrites,
        supply: (e, slice) => chunks.read((plan.extents[e] as RestorePlan['extents'][number]).extent, slice.index, slice.lengthBytes),
        progress,
        inFlight: pool.threads * 2 + 2,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.reread ? { reread: options.reread } : {}),
      },
      'restore',
    );
    let verification: CompareResult | null = null;
    if (options.verify) {
      verification = await compareTarget({
        disk: target,
        extents,
        chunkBytes: snapshot.description.chunkSizeBytes,
        tableWrites: plan.tableWrites,
        expected: (e, i) => extentDigest(snapshot, (plan.extents[e] as RestorePlan['extents'][number]).extent, i),
        describe: (e, i) => chunkPlace(snapshot, (plan.extents[e] as RestorePlan['extents'][number]).extent, i),
        pool,
        progress,
      });
      if (verification.mismatchCount > 0) {
        throw new LifeboatError('VERIFY_MISMATCH', `Reading ${target.path} back found ${verification.mismatchCount} difference(s) from the snapshot: ${verification.mismatches.slice(0, 3).join(' ')} The target disk may be failing; restore again or choose another disk.`);
      }
    }
    progress.finish();
    return { snapshotId: snapshot.id, mode: plan.mode, writtenBytes: plan.usedBytes, durationSeconds: progress.elapsedSeconds, verification };
  } finally {
    await chunks.close();
    await pool.close();
  }
}
