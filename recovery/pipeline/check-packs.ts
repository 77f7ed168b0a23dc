/**
 * `check`, packs and index: every pack's trailer (and its SHA-256) is read, and every index entry
 * must point at a pack that exists, at a blob its trailer lists with the same digest and sizes.
 * Packs the index does not list are what an interrupted capture or prune sealed before it could
 * write the index: info, not damage (the next capture adopts them, prune frees them).
 */
import { LifeboatError } from '../core/errors.js';
import { formatBytes } from '../core/format-bytes.js';
import { repairAction, type Findings } from '../repository/check-findings.js';
import type { ChunkIndex, ChunkLocation } from '../repository/chunk-index.js';
import { BLOB_HEADER_BYTES, PACK_HEADER_BYTES, digestHex } from '../repository/format-constants.js';
import { readPackTrailer, type PackEntry } from '../repository/pack-reader.js';
import type { RepositoryLayout } from '../repository/repository-layout.js';

export interface PackSet {
  /** Trailer entries of each pack whose trailer is sound. */
  trailers: Map<string, PackEntry[]>;
  /** Packs with a damaged trailer (already reported), with the reason. */
  damaged: Map<string, string>;
  sizes: Map<string, number>;
}

/** The first overlap or out-of-order blob a sound trailer still lists, or null. */
function trailerOverlap(entries: PackEntry[]): string | null {
  const sorted = [...entries].sort((a, b) => a.location.offsetBytes - b.location.offsetBytes);
  let end = PACK_HEADER_BYTES;
  for (const entry of sorted) {
    if (entry.location.offsetBytes < end) return `two trailer entries overlap at byte ${entry.location.offsetBytes}`;
    end = entry.location.offsetBytes + BLOB_HEADER_BYTES + entry.location.storedBytes;
  }
  return null;
}

export async function readPackSet(repoDir: string, layout: RepositoryLayout, findings: Findings): Promise<PackSet> {
  const set: PackSet = { trailers: new Map(), damaged: new Map(), sizes: new Map(layout.packs.map((p) => [p.id, p.sizeBytes])) };
  for (const { id } of layout.packs) {
    try {
      const entries = await readPackTrailer(repoDir, id);
      const overlap = trailerOverlap(entries);
      if (overlap) throw new LifeboatError('CORRUPT_IMAGE', `The pack ${id} is damaged (${overlap}).`);
      set.trailers.set(id, entries);
    } catch (error) {
      const unsupported = error instanceof LifeboatError && error.code === 'UNSUPPORTED_FORMAT';
      const message = error instanceof Error ? error.message : String(error);
      set.damaged.set(id, message);
      findings.add('error', 'pack-damaged', message, unsupported ? 'use the Lifeboat version that wrote it, or a newer one.' : repairAction(repoDir));
    }
  }
  return set;
}

function sameBlob(location: ChunkLocation, digest: Buffer, entry: PackEntry | undefined): boolean {
  return (
    entry?.digest.equals(digest) === true &&
    entry.location.codec === location.codec &&
    entry.location.storedBytes === location.storedBytes &&
    entry.location.plainBytes === location.plainBytes
  );
}

export interface IndexCrossCheck {
  /** Packs at least one index entry points into. */
  indexedPacks: Set<string>;
  /** Digests (hex) held by packs the index does not list at all, with their pack. */
  unindexedDigests: Map<string, string>;
  /** Digests (hex) whose index entry points where their pack's trailer lists no such blob. */
  misplacedDigests: Set<string>;
}

/** Every index entry against the packs; packs no entry points into are reported as info. */
export function crossCheckIndex(repoDir: string, index: ChunkIndex, packs: PackSet, findings: Findings, indexSound = true): IndexCrossCheck {
  const byOffset = new Map<string, Map<number, PackEntry>>();
  const offsetsOf = (id: string) => {
    let map = byOffset.get(id);
    if (!map) {
      map = new Map((packs.trailers.get(id) ?? []).map((entry) => [entry.location.offsetBytes, entry]));
      byOffset.set(id, map);
    }
    return map;
  };
  const missing = new Map<string, number>();
  const wrong = new Map<string, number>();
  const indexedPacks = new Set<string>();
  const misplacedDigests = new Set<string>();
  for (const { digest, location } of index.entries()) {
    indexedPacks.add(location.packId);
    if (packs.damaged.has(location.packId)) continue;
    if (!packs.trailers.has(location.packId)) missing.set(location.packId, (missing.get(location.packId) ?? 0) + 1);
    else if (!sameBlob(location, digest, offsetsOf(location.packId).get(location.offsetBytes))) {
      wrong.set(location.packId, (wrong.get(location.packId) ?? 0) + 1);
      misplacedDigests.add(digestHex(digest));
    }
  }
  for (const [id, count] of missing) {
    findings.add(
      'error',
      'index-pack-missing',
      `The index lists ${count} chunk(s) in pack ${id}, which is not in the repository.`,
      `copy packs/${id.slice(0, 2)}/${id}.pack back from another copy of the repository; otherwise ${repairAction(repoDir, 'it drops those chunks from the index and names the snapshots that need them')}`,
    );
  }
  for (const [id, count] of wrong) {
    findings.add(
      'error',
      'index-entry-wrong',
      `${count} index entr${count === 1 ? 'y points' : 'ies point'} into pack ${id} where its trailer lists no such chunk.`,
      repairAction(repoDir, 'it rebuilds the index from the packs'),
    );
  }
  const unindexedDigests = new Map<string, string>();
  let unindexedPacks = 0;
  let unindexedBytes = 0;
  let newChunks = 0;
  for (const [id, entries] of packs.trailers) {
    if (indexedPacks.has(id)) continue;
    unindexedPacks++;
    unindexedBytes += packs.sizes.get(id) ?? 0;
    for (const entry of entries) {
      if (index.has(entry.digest)) continue;
      newChunks++;
      unindexedDigests.set(digestHex(entry.digest), id);
    }
  }
  // With a damaged index every pack looks unindexed; the index error already says what to do.
  if (unindexedPacks > 0 && indexSound) {
    findings.add(
      'info',
      'pack-unindexed',
      `${unindexedPacks} pack(s) (${formatBytes(unindexedBytes)}) are not in the index, ${newChunks} of their chunks stored nowhere else: an interrupted capture, prune or repair sealed them before it wrote the index.`,
      `nothing: the next capture adopts them and \`lifeboat prune\` frees what no snapshot needs; \`lifeboat repair --repo ${repoDir}\` indexes them now.`,
    );
  }
  return { indexedPacks, unindexedDigests, misplacedDigests };
}
