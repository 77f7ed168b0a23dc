import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat restore`. */
export const RESTORE_POINTS = [
  {
    name: 'restore.after-clear',
    repeats: false,
    rule: "The target's old table signatures are cleared before any data is written: a cut here leaves a disk with no valid table, never the old table over new data.",
  },
  {
    name: 'restore.checkpoint',
    repeats: true,
    rule: 'A journal checkpoint names only bytes already flushed: --resume continues from it and rewrites nothing it has not proven.',
  },
] as const satisfies readonly FailpointSpec[];
