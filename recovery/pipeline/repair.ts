/**
 * `lifeboat repair`: rebuilds the index from the packs. Sound packs are listed from their
 * trailers; a pack whose trailer is damaged is walked blob by blob (header bounds, CRC-32C, then
 * decompress + SHA-256) and every good blob is copied into a new pack, the old one deleted once the
 * new index is durable. With --read-data every blob of the sound packs is proven too, and packs
 * with damaged blobs are rewritten without them, so the index stops offering a damaged chunk and
 * the next capture of the same disk stores it again. Snapshots are never deleted: the ones that
 * now lack chunks are named. Same ordering as prune: new packs, index, then deletions.
 */
import { LifeboatError } from '../core/errors.js';
import { failpoint } from '../core/failpoints/failpoint.js';
import { Findings } from '../repository/check-findings.js';
import { ChunkIndex, type ChunkLocation } from '../repository/chunk-index.js';
import { DIGEST_BYTES, PACK_HEADER_BYTES, isZeroDigest } from '../repository/format-constants.js';
import { openRegularFile, packHeaderProblem, readExactly, scanBlobs } from '../repository/pack-blobs.js';
import { PackReader, type PackEntry } from '../repository/pack-reader.js';
import { PackWriter, packPath } from '../repository/pack-writer.js';
import { removePacks } from '../repository/remove-packs.js';
import { lockRepository } from '../repository/repository-lock.js';
import { scanLayout } from '../repository/repository-layout.js';
import type { Repository } from '../repository/repository.js';
import { blobProof } from './blob-proof.js';
import { checkPackData } from './check-data.js';
import { readPackSet, type PackSet } from './check-packs.js';
import { chunkPlaceText } from './extents.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { salvageAndClearTmp } from './recover-interrupted.js';
import { WorkerPool } from './worker-pool.js';

/** Chunks copied into new packs, with their new places. */
type Copies = Array<[Buffer, ChunkLocation]>;

export interface RepairOptions {
  repository: Repository;
  readData: boolean;
  packSizeBytes?: number;
  threads?: number;
  onProgress?: ProgressListener;
  onWarning?: (sentence: string) => void;
}

export interface RebuiltPack {
  id: string;
  /** Why it was rebuilt: its trailer's damage, or how many blobs failed their proof. */
  why: string;
  keptChunks: number;
  lostBlobs: number;
}

export interface IncompleteSnapshot {
  id: string;
  createdAt: string;
  source: string;
  missingChunks: number;
  firstPlace: string;
}

export interface RepairResult {
  packsRead: number;
  rebuilt: RebuiltPack[];
  salvagedPacks: number;
  removedTmpFiles: number;
  /** Entries of the old index, or null when it was missing or damaged. */
  chunksBefore: number | null;
  chunksIndexed: number;
  /** Chunks the old index listed that no pack holds any more (or only damaged). */
  chunksDropped: number;
  incomplete: IncompleteSnapshot[];
  damagedManifests: string[];
  durationSeconds: number;
}

/** Copies every good blob of a pack with a damaged trailer into `writer`; returns the new locations. */
async function rescueDamagedPack(
  repoDir: string,
  id: string,
  writer: PackWriter,
  pool: WorkerPool,
  rebuilt: RebuiltPack[],
  next: Copies,
  why: string,
): Promise<void> {
  const file = packPath(repoDir, id);
  const { handle, sizeBytes } = await openRegularFile(file, 'pack');
  try {
    // Refuses a newer format outright (UNSUPPORTED_FORMAT): its blobs are not ours to judge.
    packHeaderProblem(await readExactly(handle, PACK_HEADER_BYTES, 0), id, file);
    const scan = await scanBlobs(handle, {
      limitBytes: sizeBytes,
      proof: blobProof(pool),
      stopAtFirstBad: false,
      onBlob: async (blob) => {
        next.push([
          blob.digest,
          await writer.append({ digest: blob.digest, codec: blob.codec, stored: blob.stored, plainBytes: blob.plainBytes, crc32c: blob.crc32c }),
        ]);
      },
    });
    rebuilt.push({ id, why, keptChunks: scan.goodBlobs, lostBlobs: scan.damaged.length });
  } finally {
    await handle.close();
  }
}

/** Copies the trailer-listed blobs of a sound pack except the damaged ones (found by --read-data). */
async function rewriteWithout(repoDir: string, _id: string, entries: PackEntry[], badOffsets: Set<number>, writer: PackWriter, next: Copies): Promise<number> {
  const reader = new PackReader(repoDir);
  let kept = 0;
  try {
    for (const entry of [...entries].sort((a, b) => a.location.offsetBytes - b.location.offsetBytes)) {
      if (badOffsets.has(entry.location.offsetBytes)) continue;
      const stored = await reader.readStored(entry.digest, entry.location);
      next.push([
        entry.digest,
        await writer.append({ digest: entry.digest, codec: entry.location.codec, stored, plainBytes: entry.location.plainBytes, crc32c: entry.crc32c }),
      ]);
      kept++;
    }
  } finally {
    await reader.close();
  }
  return kept;
}

/** The new index: the old index's choice where it is still valid, else the first copy in pack order. */
function buildIndex(old: ChunkIndex | null, packs: PackSet, dropped: Set<string>, copies: Copies): ChunkIndex {
  const next = ChunkIndex.empty();
  const valid = new Map<string, PackEntry>();
  for (const [id, entries] of packs.trailers) {
    if (dropped.has(id)) continue;
    for (const entry of entries) valid.set(`${id}:${entry.location.offsetBytes}`, entry);
  }
  for (const { digest, location } of old?.entries() ?? []) {
    const entry = valid.get(`${location.packId}:${location.offsetBytes}`);
    if (entry?.digest.equals(digest)) next.add(digest, entry.location);
  }
  for (const id of [...packs.trailers.keys()].sort()) {
    if (dropped.has(id)) continue;
    for (const entry of packs.trailers.get(id) ?? []) next.add(entry.digest, entry.location);
  }
  for (const [digest, location] of copies) next.add(digest, location);
  return next;
}

export async function repair(options: RepairOptions): Promise<RepairResult> {
  const { repository } = options;
  const repoDir = repository.dir;
  const progress = new ProgressTracker('repair', options.onProgress);
  progress.startPhase('analyze', 0);
  const lock = await lockRepository(repoDir, 'repair');
  if (lock.takenOver) options.onWarning?.(lock.takenOver);
  const writer = new PackWriter(repoDir, options.packSizeBytes);
  const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
  try {
    const tmp = await salvageAndClearTmp(repository, options.threads);
    let old: ChunkIndex | null = null;
    try {
      old = await repository.loadIndex();
    } catch (error) {
      if (!(error instanceof LifeboatError) || error.code !== 'CORRUPT_IMAGE') throw error;
      options.onWarning?.(`${error.message.replace(/;.*$/, '')}; rebuilding it from the packs.`);
    }
    const findings = new Findings();
    const layout = await scanLayout(repoDir, findings);
    const packs = await readPackSet(repoDir, layout, findings);
    const rebuilt: RebuiltPack[] = [];
    const copies: Copies = [];
    for (const [id, why] of packs.damaged) await rescueDamagedPack(repoDir, id, writer, pool, rebuilt, copies, why);
    const dropped = new Set(packs.damaged.keys());
    if (options.readData) {
      const data = await checkPackData(repoDir, { ...packs, sizes: new Map([...packs.sizes].filter(([id]) => !packs.damaged.has(id))) }, pool, progress);
      const badByPack = new Map<string, Set<number>>();
      for (const bad of data.damaged) badByPack.set(bad.packId, (badByPack.get(bad.packId) ?? new Set()).add(bad.offsetBytes));
      progress.startPhase('data', 0);
      for (const [id, offsets] of badByPack) {
        const kept = await rewriteWithout(repoDir, id, packs.trailers.get(id) ?? [], offsets, writer, copies);
        rebuilt.push({ id, why: `${offsets.size} of its chunks failed their CRC-32C or SHA-256`, keptChunks: kept, lostBlobs: offsets.size });
        dropped.add(id);
      }
    }
    await writer.finish();
    failpoint('repair.after-read-packs');
    const next = buildIndex(old, packs, dropped, copies);
    await repository.writeIndex(next, () => failpoint('repair.before-index-rename'));
    failpoint('repair.after-index-rename');
    await removePacks(repoDir, [...dropped], () => failpoint('repair.after-pack-removal'));
    const { snapshots, damaged } = await repository.listSnapshots();
    const incomplete: IncompleteSnapshot[] = [];
    for (const snapshot of snapshots) {
      let missing = 0;
      let firstPlace = '';
      for (const extent of snapshot.description.extents) {
        for (let i = 0; i < extent.chunkCount; i++) {
          const digest = snapshot.digests.subarray((extent.chunkStart + i) * DIGEST_BYTES, (extent.chunkStart + i + 1) * DIGEST_BYTES);
          if (isZeroDigest(digest) || next.has(digest)) continue;
          if (missing++ === 0) firstPlace = chunkPlaceText(extent, snapshot.description.chunkSizeBytes, i);
        }
      }
      if (missing > 0)
        incomplete.push({
          id: snapshot.id,
          createdAt: snapshot.description.createdAt,
          source: snapshot.description.source.path,
          missingChunks: missing,
          firstPlace,
        });
    }
    let chunksDropped = 0;
    for (const { digest } of old?.entries() ?? []) if (!next.has(digest)) chunksDropped++;
    progress.finish();
    return {
      packsRead: layout.packs.length,
      rebuilt,
      salvagedPacks: tmp.salvaged.length,
      removedTmpFiles: tmp.removedFiles,
      chunksBefore: old?.size ?? null,
      chunksIndexed: next.size,
      chunksDropped,
      incomplete,
      damagedManifests: damaged,
      durationSeconds: progress.elapsedSeconds,
    };
  } catch (error) {
    await writer.abandon();
    throw error;
  } finally {
    await pool.close();
    await lock.release();
  }
}
