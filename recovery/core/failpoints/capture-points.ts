import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat capture` (and of every writer of packs, index and manifests). */
export const CAPTURE_POINTS = [
  {
    name: 'capture.after-pack-seal',
    repeats: true,
    rule: 'A sealed pack is durable before the index names it; a pack no index names is adopted by the next writer or freed by prune.',
  },
  {
    name: 'capture.before-index-rename',
    repeats: false,
    rule: 'Packs, then index: until the new index is renamed into place, readers see the old one, which names no chunk of this capture.',
  },
] as const satisfies readonly FailpointSpec[];
