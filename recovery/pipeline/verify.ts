/**
 * Verify: prove every chunk one snapshot (or every snapshot) uses, reading each distinct chunk
 * once; or compare a disk with a snapshot (`--against`). Problems are collected, not thrown one
 * at a time, so a person learns everything that is damaged in one run.
 */
import { LifeboatError, isLifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import { compareTarget, type CompareResult } from './compare-target.js';
import { InFlight } from './in-flight.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { planRestore, type TargetFacts } from './restore-plan.js';
import { targetExtents } from './restore.js';
import { SnapshotChunks, chunkPlace, extentDigest, forEachDistinctChunk } from './snapshot-chunks.js';
import { WorkerPool } from './worker-pool.js';

export interface VerifyOptions {
  repository: Repository;
  snapshots: Snapshot[];
  threads?: number;
  onProgress?: ProgressListener;
  /** Stops at the next chunk with CANCELLED (verify only reads, so stopping is always safe). */
  signal?: AbortSignal;
}

export interface VerifyResult {
  snapshotIds: string[];
  checkedChunks: number;
  checkedBytes: number;
  problemCount: number;
  /** One sentence per damaged or missing chunk (the first 50). */
  problems: string[];
  durationSeconds: number;
}

export async function verifySnapshots(options: VerifyOptions): Promise<VerifyResult> {
  const progress = new ProgressTracker('verify', options.onProgress);
  const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
  const index = await options.repository.loadIndex();
  const seen = new Set<string>();
  const problems: string[] = [];
  let problemCount = 0;
  let checkedBytes = 0;
  const total = options.snapshots.reduce((sum, s) => sum + s.description.extents.reduce((n, e) => n + e.usedBytes, 0), 0);
  progress.startPhase('readback', total);
  try {
    for (const snapshot of options.snapshots) {
      const chunks = new SnapshotChunks(options.repository.dir, snapshot, index, pool);
      const inFlight = new InFlight(pool.threads * 2 + 2);
      try {
        await forEachDistinctChunk(
          snapshot,
          snapshot.description.extents,
          seen,
          inFlight,
          progress,
          async (extent, slice) => {
            try {
              await chunks.read(extent, slice.index, slice.lengthBytes);
              checkedBytes += slice.lengthBytes;
            } catch (error) {
              if (!isLifeboatError(error)) throw error;
              problemCount++;
              if (problems.length < 50) problems.push(`[${error.code}] snapshot ${snapshot.id}: ${error.message}`);
            }
          },
          () => {
            if (options.signal?.aborted) throw new LifeboatError('CANCELLED', 'The check was cancelled; the repository was not changed.');
          },
        );
        await inFlight.drain();
      } finally {
        await chunks.close();
      }
    }
    progress.finish();
    return {
      snapshotIds: options.snapshots.map((s) => s.id),
      checkedChunks: seen.size,
      checkedBytes,
      problemCount,
      problems,
      durationSeconds: progress.elapsedSeconds,
    };
  } finally {
    await pool.close();
  }
}

export interface VerifyAgainstOptions {
  snapshot: Snapshot;
  disk: Disk;
  target: TargetFacts;
  partitionNumber?: number;
  threads?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** Compares a disk (or a partition) with a snapshot: table sectors byte for byte, used data by hash. */
export async function verifyAgainst(options: VerifyAgainstOptions): Promise<CompareResult & { durationSeconds: number }> {
  const { snapshot } = options;
  const plan = planRestore(snapshot, options.target, options.partitionNumber);
  const progress = new ProgressTracker('verify', options.onProgress);
  const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
  try {
    const result = await compareTarget({
      disk: options.disk,
      extents: targetExtents(snapshot, plan),
      chunkBytes: snapshot.description.chunkSizeBytes,
      tableWrites: plan.tableWrites,
      expected: (e, i) => extentDigest(snapshot, (plan.extents[e] as (typeof plan.extents)[number]).extent, i),
      describe: (e, i) => chunkPlace(snapshot, (plan.extents[e] as (typeof plan.extents)[number]).extent, i),
      pool,
      progress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    progress.finish();
    return { ...result, durationSeconds: progress.elapsedSeconds };
  } finally {
    await pool.close();
  }
}
