/**
 * Restore: a snapshot onto a disk, or one partition onto a partition, following a RestorePlan.
 * By default every chunk the plan needs is read and proven first (phase "precheck"), so a damaged
 * image is refused before the target is touched; each chunk is proven again just before its
 * bytes are written. Progress is checkpointed in a journal on the target (restore-journal.ts),
 * so an interrupted restore can be resumed; `verify` reads everything back afterwards.
 */
import { LifeboatError } from '../core/errors.js';
import { failpoint } from '../core/failpoints/failpoint.js';
import type { Disk } from '../disks/disk.js';
import { digestHex, isZeroDigest } from '../repository/format-constants.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import { compareTarget, type CompareResult } from './compare-target.js';
import type { DiscardRequest } from './discard-free.js';
import { extentLabel, usedChunks } from './extents.js';
import { guardZones, piecesInside, type ByteSpan } from './guard-zones.js';
import { InFlight } from './in-flight.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { JournalWriter, journalFits, newRestoreId, type RestoreJournal } from './restore-journal.js';
import { planDigest, type RestorePlan } from './restore-plan.js';
import { checkResume, type TargetIdentity } from './resume-check.js';
import { SnapshotChunks, chunkPlace, extentDigest, extentRanges } from './snapshot-chunks.js';
import { WorkerPool } from './worker-pool.js';
import { writeTarget, type Checkpoints, type TargetExtent } from './write-target.js';

/**
 * A checkpoint costs two flushes. Once a second bounds the work a crash can undo to about a
 * second's worth; at least every eighth of the data keeps that true for small, fast restores too,
 * while adding at most eight checkpoints to a large one.
 */
export const DEFAULT_CHECKPOINT_EVERY_MS = 1000;
export const CHECKPOINTS_PER_RESTORE = 8;

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
  /** The target's model and serial, recorded in the journal. */
  identity?: TargetIdentity;
  /** Continue the restore this journal (read from the target) describes. */
  resume?: RestoreJournal;
  /** Discard the target's free ranges. */
  discard?: DiscardRequest;
  checkpointEveryMs?: number;
  /** Runs after the table is written and read back (restore --grow-last), inside phase "grow". */
  afterTable?: () => Promise<void>;
}

export interface RestoreResult {
  snapshotId: string;
  mode: RestorePlan['mode'];
  /** Used bytes this run wrote. */
  writtenBytes: number;
  /** Used bytes a resumed restore found durable and did not write again. */
  skippedBytes: number;
  resumed: boolean;
  discardedBytes: number | null;
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

/**
 * Reads and proves every distinct chunk the restore will write; throws on the first damaged or
 * missing one. A resume skips the chunks its journal says are durable, except those reaching into
 * the guard zones, which the last step writes again.
 */
export async function proveChunks(
  chunks: SnapshotChunks,
  plan: RestorePlan,
  pool: WorkerPool,
  progress: ProgressTracker,
  signal?: AbortSignal,
  doneChunks = 0,
): Promise<number> {
  const { snapshot } = chunks;
  const { chunkSizeBytes } = snapshot.description;
  const zones: ByteSpan[] = guardZones(plan.region);
  const seen = new Set<string>();
  const inFlight = new InFlight(pool.threads * 2 + 2);
  progress.startPhase('precheck', plan.usedBytes);
  let ordinal = 0;
  for (const [e, { extent, targetStartBytes }] of plan.extents.entries()) {
    progress.startItem(e + 1, plan.extents.length, extentLabel(extent), extent.usedBytes);
    for (const slice of usedChunks(extentRanges(snapshot, extent), extent.sizeBytes, chunkSizeBytes, plan.target.logicalSectorSize)) {
      if (signal?.aborted) throw new LifeboatError('CANCELLED', 'The restore was cancelled before anything was written.');
      const skipped = ordinal++ < doneChunks && zones.every((zone) => piecesInside(slice.pieces, targetStartBytes, zone).length === 0);
      const digest = extentDigest(snapshot, extent, slice.index);
      const hex = digestHex(digest);
      if (skipped || isZeroDigest(digest) || seen.has(hex)) {
        progress.advance(slice.usedBytes);
        continue;
      }
      seen.add(hex);
      await inFlight.start(async () => {
        await chunks.read(extent, slice.index, slice.lengthBytes);
        progress.advance(slice.usedBytes);
      });
    }
  }
  await inFlight.drain();
  return seen.size;
}

function checkpointsFor(options: RestoreOptions): Checkpoints | undefined {
  const { plan, snapshot, target } = options;
  if (!journalFits(plan.region, target.logicalSectorSize)) return undefined;
  const now = new Date().toISOString();
  const start: RestoreJournal = options.resume ?? {
    restoreId: newRestoreId(),
    sequence: 0,
    snapshotId: snapshot.id,
    repositoryId: options.repository.config.id,
    planDigest: planDigest(snapshot, plan),
    mode: plan.mode,
    regionOffsetBytes: plan.region.offsetBytes,
    regionSizeBytes: plan.region.sizeBytes,
    target: {
      path: target.path,
      sizeBytes: target.sizeBytes,
      logicalSectorSize: target.logicalSectorSize,
      model: options.identity?.model ?? null,
      serial: options.identity?.serial ?? null,
    },
    chunksDone: 0,
    bytesDone: 0,
    usedBytes: plan.usedBytes,
    startedAt: now,
    updatedAt: now,
  };
  const writer = new JournalWriter(plan.region, start);
  return {
    doneChunks: start.chunksDone,
    doneBytes: start.bytesDone,
    first: () => writer.next(start.chunksDone, start.bytesDone),
    next: (chunks, bytes) => writer.next(chunks, bytes),
    everyMs: options.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS,
    everyBytes: Math.max(1, Math.ceil(plan.usedBytes / CHECKPOINTS_PER_RESTORE)),
  };
}

export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const { snapshot, plan, target } = options;
  if (!target.writable) throw new LifeboatError('READ_ONLY', `${target.path} was opened read-only; a restore must write it.`);
  if (options.resume) {
    checkResume(options.resume, snapshot, plan, options.identity ?? { model: null, serial: null });
    failpoint('restore.resume-checked');
  }
  const progress = new ProgressTracker('restore', options.onProgress);
  const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
  const index = await options.repository.loadIndex();
  const chunks = new SnapshotChunks(options.repository.dir, snapshot, index, pool);
  const entry = (e: number) => plan.extents[e] as RestorePlan['extents'][number];
  try {
    const checkpoints = checkpointsFor(options);
    if (options.precheck !== false) await proveChunks(chunks, plan, pool, progress, options.signal, checkpoints?.doneChunks ?? 0);
    const extents = targetExtents(snapshot, plan);
    const written = await writeTarget(
      {
        target,
        extents,
        chunkBytes: snapshot.description.chunkSizeBytes,
        clearWrites: plan.clearWrites,
        tableWrites: plan.tableWrites,
        region: plan.region,
        supply: (e, slice) => chunks.read(entry(e).extent, slice.index, slice.lengthBytes),
        progress,
        inFlight: pool.threads * 2 + 2,
        ...(checkpoints ? { checkpoints } : {}),
        ...(options.discard ? { discard: options.discard } : {}),
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
        expected: (e, i) => extentDigest(snapshot, entry(e).extent, i),
        describe: (e, i) => chunkPlace(snapshot, entry(e).extent, i),
        pool,
        progress,
      });
      if (verification.mismatchCount > 0) {
        throw new LifeboatError(
          'VERIFY_MISMATCH',
          `Reading ${target.path} back found ${verification.mismatchCount} difference(s) from the snapshot: ${verification.mismatches.slice(0, 3).join(' ')} The target disk may be failing; restore again or choose another disk.`,
        );
      }
    }
    if (options.afterTable) {
      progress.startPhase('grow', 0);
      await options.afterTable();
    }
    progress.finish();
    return {
      snapshotId: snapshot.id,
      mode: plan.mode,
      writtenBytes: written.writtenBytes,
      skippedBytes: written.skippedBytes,
      resumed: options.resume !== undefined,
      discardedBytes: written.discard?.discardedBytes ?? null,
      durationSeconds: progress.elapsedSeconds,
      verification,
    };
  } finally {
    await chunks.close();
    await pool.close();
  }
}
