/**
 * `check`, snapshots: every manifest must parse (its SHA-256 included) and carry its own id in its
 * name, and every chunk it references must be in the index, in a pack that exists and is sound,
 * with the length its place in the extent gives it. Chunks no snapshot references are info:
 * prune frees them.
 */
import { formatBytes } from '../core/format-bytes.js';
import { repairAction, type Findings } from '../repository/check-findings.js';
import type { ChunkIndex } from '../repository/chunk-index.js';
import { BLOB_HEADER_BYTES, DIGEST_BYTES, digestHex, isZeroDigest } from '../repository/format-constants.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import type { IndexCrossCheck, PackSet } from './check-packs.js';
import { chunkPlaceText } from './extents.js';

/** Why a snapshot's chunk cannot be read back, or null when the index and packs have it. */
type Lack = 'not-indexed' | 'in-unindexed-pack' | 'pack-missing' | 'pack-damaged' | 'misplaced' | 'wrong-length';

const LACK_TEXT: Record<Lack, string> = {
  'not-indexed': 'in no pack',
  'in-unindexed-pack': 'only in packs the index does not list',
  'pack-missing': 'in packs that are missing',
  'pack-damaged': 'in packs whose trailer is damaged',
  misplaced: 'listed in the index where their pack holds no such chunk',
  'wrong-length': 'listed with a length that does not fit their place',
};

function lackOf(digest: Buffer, lengthBytes: number, index: ChunkIndex, packs: PackSet, cross: IndexCrossCheck): Lack | null {
  const location = index.find(digest);
  if (!location) return cross.unindexedDigests.has(digestHex(digest)) ? 'in-unindexed-pack' : 'not-indexed';
  if (packs.damaged.has(location.packId)) return 'pack-damaged';
  if (!packs.trailers.has(location.packId)) return 'pack-missing';
  if (cross.misplacedDigests.has(digestHex(digest))) return 'misplaced';
  return location.plainBytes === lengthBytes ? null : 'wrong-length';
}

function incompleteAction(repoDir: string, lacks: Map<Lack, number>, id: string): string {
  const repairable = [...lacks.keys()].every((lack) => lack === 'in-unindexed-pack' || lack === 'pack-damaged' || lack === 'misplaced');
  if (repairable) return repairAction(repoDir, 'it indexes those chunks again from the packs that hold them, keeping what is still readable in a damaged pack');
  return `copy the missing packs back from another copy of the repository if there is one; otherwise restore another snapshot, or remove this one with \`lifeboat forget --repo ${repoDir} --snapshot ${id}\`.`;
}

function checkOne(
  repoDir: string,
  snapshot: Snapshot,
  index: ChunkIndex,
  packs: PackSet,
  cross: IndexCrossCheck,
  referenced: Set<string>,
  findings: Findings,
): void {
  const { chunkSizeBytes } = snapshot.description;
  const lacks = new Map<Lack, number>();
  let first: string | null = null;
  for (const extent of snapshot.description.extents) {
    for (let i = 0; i < extent.chunkCount; i++) {
      const at = (extent.chunkStart + i) * DIGEST_BYTES;
      const digest = snapshot.digests.subarray(at, at + DIGEST_BYTES);
      if (isZeroDigest(digest)) continue;
      referenced.add(digestHex(digest));
      const lack = lackOf(digest, Math.min(chunkSizeBytes, extent.sizeBytes - i * chunkSizeBytes), index, packs, cross);
      if (lack === null) continue;
      lacks.set(lack, (lacks.get(lack) ?? 0) + 1);
      first ??= chunkPlaceText(extent, chunkSizeBytes, i);
    }
  }
  if (lacks.size === 0) return;
  const total = [...lacks.values()].reduce((sum, n) => sum + n, 0);
  const [only] = lacks.keys();
  const how = lacks.size === 1 && only ? `are ${LACK_TEXT[only]}` : `cannot be read (${[...lacks].map(([lack, n]) => `${n} ${LACK_TEXT[lack]}`).join(', ')})`;
  findings.add(
    'error',
    'snapshot-incomplete',
    `Snapshot ${snapshot.id} (captured ${snapshot.description.createdAt} from ${snapshot.description.source.path}) cannot be restored whole: ${total} of its chunks ${how}; the first holds ${first ?? '?'}.`,
    incompleteAction(repoDir, lacks, snapshot.id),
  );
}

/** Reads every manifest (first: the ordering rules make what a manifest needs older than it). */
export async function readManifests(repository: Repository, files: string[], findings: Findings): Promise<{ snapshots: Snapshot[]; allRead: boolean }> {
  const result = { snapshots: [] as Snapshot[], allRead: true };
  for (const file of files) {
    try {
      const snapshot = await repository.readSnapshot(file);
      if (!file.endsWith(`-${snapshot.id}.snapshot`))
        throw new Error(`The snapshot file ${file} does not hold the snapshot its name says (its content is ${snapshot.id}).`);
      result.snapshots.push(snapshot);
    } catch (error) {
      result.allRead = false;
      const id = /-([0-9a-f]{16})\.snapshot$/.exec(file)?.[1] ?? '?';
      findings.add(
        'error',
        'manifest-damaged',
        error instanceof Error ? error.message : String(error),
        `copy it back from another copy of the repository if there is one; otherwise remove it with \`lifeboat forget --repo ${repository.dir} --snapshot ${id}\` (other snapshots are not affected).`,
      );
    }
  }
  return result;
}

/** Every chunk of every snapshot against the index and packs; returns the referenced digests. */
export function checkSnapshotChunks(
  repoDir: string,
  snapshots: readonly Snapshot[],
  index: ChunkIndex,
  packs: PackSet,
  cross: IndexCrossCheck,
  findings: Findings,
): Set<string> {
  const referenced = new Set<string>();
  for (const snapshot of snapshots) checkOne(repoDir, snapshot, index, packs, cross, referenced, findings);
  return referenced;
}

/** Info about stored chunks no snapshot needs, and pack bytes the index does not point at. */
export function reportUnreferenced(repoDir: string, index: ChunkIndex, packs: PackSet, referenced: Set<string>, findings: Findings): void {
  let chunks = 0;
  let bytes = 0;
  for (const { digest, location } of index.entries()) {
    if (referenced.has(digestHex(digest)) || !packs.trailers.has(location.packId)) continue;
    chunks++;
    bytes += BLOB_HEADER_BYTES + location.storedBytes;
  }
  let copies = 0;
  let copyBytes = 0;
  for (const [id, entries] of packs.trailers) {
    for (const entry of entries) {
      const used = index.find(entry.digest);
      if (used && used.packId === id && used.offsetBytes === entry.location.offsetBytes) continue;
      if (used === null) {
        // An unindexed chunk a snapshot needs is an error reported above (repair indexes it);
        // one no snapshot needs is garbage too.
        if (referenced.has(digestHex(entry.digest))) continue;
        chunks++;
        bytes += BLOB_HEADER_BYTES + entry.location.storedBytes;
        continue;
      }
      copies++;
      copyBytes += BLOB_HEADER_BYTES + entry.location.storedBytes;
    }
  }
  if (chunks === 0 && copies === 0) return;
  const parts = [
    chunks > 0 ? `${chunks} stored chunk(s) (${formatBytes(bytes)}) no snapshot references` : null,
    copies > 0 ? `${copies} second cop${copies === 1 ? 'y' : 'ies'} of chunks (${formatBytes(copyBytes)})` : null,
  ].filter(Boolean);
  findings.add('info', 'unreferenced', `The packs hold ${parts.join(' and ')}.`, `\`lifeboat prune --repo ${repoDir}\` frees them.`);
}
