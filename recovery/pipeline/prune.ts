/**
 * `lifeboat prune`: frees the chunks no snapshot references. Ordering (docs/image-format.md,
 * "Prune"): live blobs of packs that also hold garbage are copied, stored bytes as they are, into
 * new packs, which are sealed; then the new index, which points only at packs that exist, is
 * written durably; only then are the old packs deleted. Killed at any step, the repository still
 * passes `check` (what is left over is unindexed packs or tmp/ files) and a rerun finishes the job.
 */
import { LifeboatError } from '../core/errors.js';
import { failpoint } from '../core/failpoints/failpoint.js';
import { Findings } from '../repository/check-findings.js';
import { ChunkIndex } from '../repository/chunk-index.js';
import { DIGEST_BYTES, digestHex, isZeroDigest } from '../repository/format-constants.js';
import { PackReader } from '../repository/pack-reader.js';
import { PackWriter } from '../repository/pack-writer.js';
import { removePacks } from '../repository/remove-packs.js';
import { lockRepository } from '../repository/repository-lock.js';
import { scanLayout } from '../repository/repository-layout.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import { crossCheckIndex, readPackSet } from './check-packs.js';
import { planPrune } from './prune-plan.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { recoverInterruptedWrites, recoveryWarnings } from './recover-interrupted.js';

export interface PruneOptions {
  repository: Repository;
  packSizeBytes?: number;
  threads?: number;
  onProgress?: ProgressListener;
  onWarning?: (sentence: string) => void;
}

export interface PruneResult {
  snapshots: number;
  packsBefore: number;
  packsAfter: number;
  packsRemoved: number;
  packsRewritten: number;
  packsWritten: number;
  chunksKept: number;
  chunksRemoved: number;
  /** Bytes of pack files before and after. */
  bytesBefore: number;
  bytesAfter: number;
  bytesFreed: number;
  durationSeconds: number;
}

function referencedDigests(snapshots: readonly Snapshot[]): Set<string> {
  const referenced = new Set<string>();
  for (const snapshot of snapshots) {
    for (let at = 0; at < snapshot.digests.length; at += DIGEST_BYTES) {
      const digest = snapshot.digests.subarray(at, at + DIGEST_BYTES);
      if (!isZeroDigest(digest)) referenced.add(digestHex(digest));
    }
  }
  return referenced;
}

function refuse(repoDir: string, why: string): LifeboatError {
  return new LifeboatError(
    'CORRUPT_IMAGE',
    `Prune needs a sound repository, and ${why} Run \`lifeboat check --repo ${repoDir}\` to see every problem and \`lifeboat repair --repo ${repoDir}\` first; nothing was deleted.`,
  );
}

export async function prune(options: PruneOptions): Promise<PruneResult> {
  const { repository } = options;
  const repoDir = repository.dir;
  const progress = new ProgressTracker('prune', options.onProgress);
  progress.startPhase('analyze', 0);
  const lock = await lockRepository(repoDir, 'prune');
  if (lock.takenOver) options.onWarning?.(lock.takenOver);
  const writer = new PackWriter(repoDir, options.packSizeBytes);
  const beforeIndexRename = () => failpoint('prune.before-index-rename');
  try {
    const index = await repository.loadIndex();
    for (const sentence of recoveryWarnings(await recoverInterruptedWrites(repository, index, options.threads))) options.onWarning?.(sentence);
    const { snapshots, damaged } = await repository.listSnapshots();
    if (damaged.length > 0) throw refuse(repoDir, `a snapshot manifest is damaged, so which chunks it needs is unknown: ${damaged[0] ?? ''}`);
    const findings = new Findings();
    const layout = await scanLayout(repoDir, findings);
    const packs = await readPackSet(repoDir, layout, findings);
    crossCheckIndex(repoDir, index, packs, findings);
    const problem = findings.list.find((finding) => finding.severity === 'error');
    if (problem) throw refuse(repoDir, `${problem.message}`);
    const referenced = referencedDigests(snapshots);
    const plan = planPrune(packs.trailers, index, referenced);
    const missing = [...referenced].filter((hex) => index.find(Buffer.from(hex, 'hex')) === null).length;
    if (missing > 0)
      options.onWarning?.(`${missing} chunk(s) that snapshots reference are in no pack; those snapshots stay incomplete (see \`lifeboat check\`).`);
    const bytesBefore = [...packs.sizes.values()].reduce((sum, n) => sum + n, 0);
    const result: PruneResult = {
      snapshots: snapshots.length,
      packsBefore: packs.sizes.size,
      packsAfter: packs.sizes.size,
      packsRemoved: plan.remove.length,
      packsRewritten: plan.rewrite.length,
      packsWritten: 0,
      chunksKept: plan.liveChunks,
      chunksRemoved: plan.deadChunks,
      bytesBefore,
      bytesAfter: bytesBefore,
      bytesFreed: 0,
      durationSeconds: 0,
    };
    if (plan.remove.length === 0 && plan.rewrite.length === 0) {
      // Nothing to free; packs adopted above still belong in the index on disk.
      if (index.addedCount > 0) await repository.writeIndex(index, beforeIndexRename);
      progress.finish();
      return { ...result, durationSeconds: progress.elapsedSeconds };
    }
    // 1. Live blobs of mixed packs into new packs, copied as stored (their CRC-32C checked on the way).
    const next = ChunkIndex.empty();
    for (const pack of plan.keep) for (const entry of pack.live) next.add(entry.digest, entry.location);
    progress.startPhase('data', plan.copyBytes);
    const reader = new PackReader(repoDir);
    try {
      for (const pack of plan.rewrite) {
        for (const entry of pack.live) {
          const stored = await reader.readStored(entry.digest, entry.location).catch((error: unknown) => {
            if (!(error instanceof LifeboatError)) throw error;
            throw new LifeboatError(
              error.code,
              `${error.message} Prune stopped before deleting anything; run \`lifeboat repair --repo ${repoDir} --read-data\` first.`,
              { cause: error },
            );
          });
          next.add(
            entry.digest,
            await writer.append({ digest: entry.digest, codec: entry.location.codec, stored, plainBytes: entry.location.plainBytes, crc32c: entry.crc32c }),
          );
          progress.advance(stored.length);
        }
      }
    } finally {
      await reader.close();
    }
    await writer.finish();
    failpoint('prune.after-new-packs');
    // 2. The index that points only at kept and new packs; 3. only then the old packs go.
    await repository.writeIndex(next, beforeIndexRename);
    failpoint('prune.after-index');
    await removePacks(repoDir, [...plan.remove, ...plan.rewrite.map((pack) => pack.id)], () => failpoint('prune.after-pack-removal'));
    failpoint('prune.after-removals');
    const after = (await scanLayout(repoDir, new Findings())).packs;
    const bytesAfter = after.reduce((sum, pack) => sum + pack.sizeBytes, 0);
    progress.finish();
    return {
      ...result,
      packsAfter: after.length,
      packsWritten: writer.sealed.length,
      bytesAfter,
      bytesFreed: bytesBefore - bytesAfter,
      durationSeconds: progress.elapsedSeconds,
    };
  } catch (error) {
    await writer.abandon();
    throw error;
  } finally {
    await lock.release();
  }
}
