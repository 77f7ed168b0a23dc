import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat prune` and `lifeboat forget`. */
export const PRUNE_POINTS = [
  {
    name: 'prune.after-new-packs',
    repeats: false,
    rule: 'Copies first: the live blobs of mixed packs are sealed in new packs while the old index still names the originals, so the copies are second copies (garbage) and a rerun plans the same prune.',
  },
  {
    name: 'prune.before-index-rename',
    repeats: false,
    rule: 'Until the new index is renamed into place readers use the old one, whose packs all still exist; the new index waits in tmp/, which the next writer clears.',
  },
  {
    name: 'prune.after-index',
    repeats: false,
    rule: 'Index before deletion: the new index stops naming the unused packs before any of them is removed, so no reader is sent to a deleted pack.',
  },
  {
    name: 'prune.after-pack-removal',
    repeats: true,
    rule: 'Packs are deleted one by one only after the new index is durable: killed between two deletions, every pack left over is unindexed garbage that the next prune deletes.',
  },
  {
    name: 'prune.after-removals',
    repeats: false,
    rule: 'Once the last old pack is deleted and its folder fsynced, the prune is complete: a kill before the lock is released costs only a stale lock.',
  },
  {
    name: 'forget.before-manifest-removal',
    repeats: false,
    rule: 'Forget changes one thing, the manifest: killed before its removal, the snapshot is still whole and forget can be run again.',
  },
  {
    name: 'forget.after-manifest-removal',
    repeats: false,
    rule: "A forgotten snapshot's manifest is removed and its directory fsynced before the lock is released: the snapshot is gone, its chunks stay until prune, and the other snapshots are untouched.",
  },
] as const satisfies readonly FailpointSpec[];
