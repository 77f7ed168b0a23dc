import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat repair`. */
export const REPAIR_POINTS = [] as const satisfies readonly FailpointSpec[];
