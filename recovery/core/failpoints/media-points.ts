import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat media write`. */
export const MEDIA_POINTS = [] as const satisfies readonly FailpointSpec[];
