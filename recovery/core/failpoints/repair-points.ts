import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat repair`. */
export const REPAIR_POINTS = [
  {
    name: 'repair.after-read-packs',
    repeats: false,
    rule: 'Repair copies the good blobs of damaged packs into new sealed packs before it touches the index: killed here, the damage is as it was plus unindexed copies, and a rerun repairs the same.',
  },
  {
    name: 'repair.before-index-rename',
    repeats: false,
    rule: 'The rebuilt index replaces the old one in one rename: until then readers see the old index, and the new one waits in tmp/, which the next writer clears.',
  },
  {
    name: 'repair.after-index-rename',
    repeats: false,
    rule: 'Index before deletion: the rebuilt index names only sound packs before any replaced pack is deleted, so the replaced packs are unindexed and no reader is sent to a deleted pack.',
  },
  {
    name: 'repair.after-pack-removal',
    repeats: true,
    rule: 'Replaced packs are deleted one by one after the rebuilt index is durable: killed between two deletions, the packs left are unindexed (damaged ones as damaged as before) and a rerun of repair deletes them.',
  },
] as const satisfies readonly FailpointSpec[];
