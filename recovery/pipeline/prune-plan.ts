/**
 * What prune does to each pack, decided from the pack trailers, the index and the set of chunks
 * the snapshots reference. A blob is live when a snapshot references its digest and the index
 * points at this very blob (a second copy of a chunk, which an interrupted capture or prune can
 * leave, is garbage like an unreferenced chunk). Pure: no I/O, so every case is unit-tested.
 */
import type { ChunkIndex } from '../repository/chunk-index.js';
import { BLOB_HEADER_BYTES, digestHex } from '../repository/format-constants.js';
import type { PackEntry } from '../repository/pack-reader.js';

export interface PrunePlan {
  /** Packs whose every blob is live: left as they are. */
  keep: Array<{ id: string; live: PackEntry[] }>;
  /** Packs with live and dead blobs: the live ones are copied into new packs, then the pack goes. */
  rewrite: Array<{ id: string; live: PackEntry[] }>;
  /** Packs without a live blob: deleted. */
  remove: string[];
  liveChunks: number;
  deadChunks: number;
  /** Header and stored bytes of the dead blobs. */
  deadBytes: number;
  /** Header and stored bytes of the live blobs that must be copied. */
  copyBytes: number;
}

export function planPrune(trailers: ReadonlyMap<string, readonly PackEntry[]>, index: ChunkIndex, referenced: ReadonlySet<string>): PrunePlan {
  const plan: PrunePlan = { keep: [], rewrite: [], remove: [], liveChunks: 0, deadChunks: 0, deadBytes: 0, copyBytes: 0 };
  for (const id of [...trailers.keys()].sort()) {
    const entries = trailers.get(id) ?? [];
    const live = entries.filter((entry) => {
      if (!referenced.has(digestHex(entry.digest))) return false;
      const location = index.find(entry.digest);
      return location !== null && location.packId === id && location.offsetBytes === entry.location.offsetBytes;
    });
    const blobBytes = (list: readonly PackEntry[]) => list.reduce((sum, entry) => sum + BLOB_HEADER_BYTES + entry.location.storedBytes, 0);
    plan.liveChunks += live.length;
    plan.deadChunks += entries.length - live.length;
    plan.deadBytes += blobBytes(entries) - blobBytes(live);
    if (entries.length > 0 && live.length === entries.length) plan.keep.push({ id, live });
    else if (live.length === 0) plan.remove.push(id);
    else {
      plan.rewrite.push({ id, live: [...live].sort((a, b) => a.location.offsetBytes - b.location.offsetBytes) });
      plan.copyBytes += blobBytes(live);
    }
  }
  return plan;
}
