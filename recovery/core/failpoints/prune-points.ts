import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat prune` and `lifeboat forget`. */
export const PRUNE_POINTS = [
  {
    name: 'prune.after-index',
    repeats: false,
    rule: 'Index before deletion: the new index stops naming the unused packs before any of them is removed, so no reader is sent to a deleted pack.',
  },
] as const satisfies readonly FailpointSpec[];
