/**
 * `lifeboat check`: the whole repository against docs/image-format.md, every problem collected
 * (never the first one only) with what to do about it. It only reads: a running capture may go on
 * while it checks (what that capture has not finished shows as leftovers, not as damage).
 */
import { readdir } from 'node:fs/promises';
import { formatBytes } from '../core/format-bytes.js';
import { Findings, repairAction, type Finding } from '../repository/check-findings.js';
import { ChunkIndex } from '../repository/chunk-index.js';
import { DIGEST_BYTES, digestHex } from '../repository/format-constants.js';
import { readLockState } from '../repository/repository-lock.js';
import { scanLayout } from '../repository/repository-layout.js';
import { Repository, onlyAnInterruptedCreation } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import { listTmpLeftovers } from '../repository/tmp-packs.js';
import { checkPackData, type DamagedBlob } from './check-data.js';
import { crossCheckIndex, readPackSet } from './check-packs.js';
import { checkSnapshotChunks, readManifests, reportUnreferenced } from './check-snapshots.js';
import { chunkPlaceText } from './extents.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { WorkerPool } from './worker-pool.js';

export interface CheckOptions {
  repoDir: string;
  readData: boolean;
  threads?: number;
  onProgress?: ProgressListener;
}

export interface CheckResult {
  repository: string;
  ok: boolean;
  errors: number;
  warnings: number;
  infos: number;
  findings: Finding[];
  packs: number;
  packBytes: number;
  indexedChunks: number;
  snapshots: number;
  readData: boolean;
  blobsRead: number;
  bytesRead: number;
  durationSeconds: number;
}

const MAX_DAMAGED_FINDINGS = 20;

async function reportLock(repoDir: string, findings: Findings): Promise<boolean> {
  const state = await readLockState(repoDir);
  if (state.kind === 'none') return false;
  if (state.kind === 'held') {
    const h = state.holder;
    findings.add(
      'warning',
      'lock',
      `pid ${String(h.pid)} on ${h.host ?? '?'} is writing to the repository (${h.command ?? 'unknown command'}, started ${h.startedAt ?? '?'}).`,
      state.sameHost
        ? 'check again when it has finished; what it has not finished yet shows below as leftovers.'
        : `if ${h.host ?? 'that machine'} no longer uses this repository, delete ${repoDir}/lock.`,
    );
    return state.sameHost;
  }
  const who =
    state.kind === 'stale'
      ? `pid ${String(state.holder.pid)} (${state.holder.command ?? 'unknown command'}), which stopped without removing it: ${state.why}`
      : 'a writer killed while it created the file';
  findings.add('warning', 'lock', `The lock file was left by ${who}.`, 'nothing: the next capture, prune or repair takes it over.');
  return false;
}

async function reportTmp(repoDir: string, writerActive: boolean, findings: Findings): Promise<void> {
  const leftovers = await listTmpLeftovers(repoDir);
  if (leftovers.length === 0) return;
  const packs = leftovers.filter((l) => l.packId !== null).length;
  const bytes = leftovers.reduce((sum, l) => sum + l.sizeBytes, 0);
  const what = `tmp/ holds ${leftovers.length} unfinished file(s) (${formatBytes(bytes)}${packs > 0 ? `, ${packs} of them pack(s)` : ''})`;
  if (writerActive) findings.add('info', 'tmp-leftovers', `${what} of the running writer.`, null);
  else
    findings.add(
      'info',
      'tmp-leftovers',
      `${what} that an interrupted capture, prune or repair left.`,
      `nothing: the next capture seals the good part of each unfinished pack and reuses it, and removes the rest; \`lifeboat repair --repo ${repoDir}\` does it now.`,
    );
}

/** Names the snapshots (and the first place) that use each damaged chunk. */
function reportDamagedBlobs(repoDir: string, damaged: DamagedBlob[], snapshots: Snapshot[], findings: Findings): void {
  const users = new Map<string, string[]>();
  for (const bad of damaged) if (bad.digest) users.set(bad.digest, []);
  for (const snapshot of snapshots) {
    const { chunkSizeBytes } = snapshot.description;
    for (const extent of snapshot.description.extents) {
      for (let i = 0; i < extent.chunkCount; i++) {
        const at = (extent.chunkStart + i) * DIGEST_BYTES;
        const list = users.get(digestHex(snapshot.digests.subarray(at, at + DIGEST_BYTES)));
        if (list && !list.some((text) => text.startsWith(snapshot.id))) list.push(`${snapshot.id} (${chunkPlaceText(extent, chunkSizeBytes, i)})`);
      }
    }
  }
  const action = `restore the snapshots that use it from another copy of the repository if there is one; \`lifeboat repair --repo ${repoDir} --read-data\` drops damaged chunks from the index, so that the next capture of the same disk stores them again.`;
  for (const bad of damaged.slice(0, MAX_DAMAGED_FINDINGS)) {
    const used = bad.digest ? (users.get(bad.digest) ?? []) : [];
    const name = bad.digest ? `Chunk ${bad.digest.slice(0, 16)}` : 'A blob';
    findings.add(
      'error',
      'chunk-damaged',
      `${name} in pack ${bad.packId} at byte ${bad.offsetBytes} is damaged (${bad.why}); ${used.length > 0 ? `snapshot ${used.join(', snapshot ')} use${used.length === 1 ? 's' : ''} it` : 'no snapshot uses it'}.`,
      action,
    );
  }
  if (damaged.length > MAX_DAMAGED_FINDINGS)
    findings.add('error', 'chunk-damaged', `${damaged.length - MAX_DAMAGED_FINDINGS} more damaged blob(s) are not listed one by one.`, action);
}

export async function checkRepository(options: CheckOptions): Promise<CheckResult> {
  const { repoDir } = options;
  const progress = new ProgressTracker('check', options.onProgress);
  const findings = new Findings();
  const result = (extra: Partial<CheckResult>): CheckResult => ({
    repository: repoDir,
    ok: findings.count('error') === 0,
    errors: findings.count('error'),
    warnings: findings.count('warning'),
    infos: findings.count('info'),
    findings: findings.list,
    packs: 0,
    packBytes: 0,
    indexedChunks: 0,
    snapshots: 0,
    readData: options.readData,
    blobsRead: 0,
    bytesRead: 0,
    durationSeconds: progress.elapsedSeconds,
    ...extra,
  });
  progress.startPhase('analyze', 0);
  let repository: Repository;
  try {
    repository = await Repository.open(repoDir);
  } catch (error) {
    if (await onlyAnInterruptedCreation(repoDir, await readdir(repoDir).catch(() => []))) {
      findings.add(
        'warning',
        'repository',
        `${repoDir} holds no repository yet: a first capture was interrupted while it created one (only tmp/ is there).`,
        'nothing: the next capture into it creates the repository.',
      );
    } else {
      findings.add(
        'error',
        'repository',
        error instanceof Error ? error.message : String(error),
        'check the path; a repository holds repository.json, packs/, snapshots/ and an index.',
      );
    }
    return result({});
  }
  const writerActive = await reportLock(repoDir, findings);
  // Read in the reverse of the writers' order (manifests, index, packs): then a capture that goes
  // on meanwhile only adds things this check has not seen yet, never a reference to them.
  const manifests = await readManifests(repository, await repository.snapshotFiles(), findings);
  let index = ChunkIndex.empty();
  let indexSound = true;
  try {
    index = await repository.loadIndex();
  } catch (error) {
    indexSound = false;
    findings.add(
      'error',
      'index-damaged',
      error instanceof Error ? error.message : String(error),
      repairAction(repoDir, 'it rebuilds the index from the packs'),
    );
  }
  const layout = await scanLayout(repoDir, findings);
  await reportTmp(repoDir, writerActive, findings);
  const packs = await readPackSet(repoDir, layout, findings);
  const cross = crossCheckIndex(repoDir, index, packs, findings, indexSound);
  const referenced = checkSnapshotChunks(repoDir, manifests.snapshots, index, packs, cross, findings);
  if (manifests.allRead && indexSound) reportUnreferenced(repoDir, index, packs, referenced, findings);
  let blobsRead = 0;
  let bytesRead = 0;
  if (options.readData) {
    const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
    try {
      const data = await checkPackData(repoDir, packs, pool, progress);
      blobsRead = data.blobs;
      bytesRead = data.bytesRead;
      reportDamagedBlobs(repoDir, data.damaged, manifests.snapshots, findings);
      for (const [id, walk] of data.walked) {
        findings.add(
          'info',
          'pack-damaged',
          `Read blob by blob, the damaged pack ${id} still holds ${walk.good} good chunk(s)${walk.stoppedBecause ? `; the walk stopped because ${walk.stoppedBecause}` : ''}.`,
          repairAction(repoDir, 'it keeps those chunks'),
        );
      }
    } finally {
      await pool.close();
    }
  }
  progress.finish();
  const packBytes = [...packs.sizes.values()].reduce((sum, n) => sum + n, 0);
  return result({ packs: layout.packs.length, packBytes, indexedChunks: index.size, snapshots: manifests.snapshots.length, blobsRead, bytesRead });
}
