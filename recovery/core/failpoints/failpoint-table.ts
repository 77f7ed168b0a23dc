/**
 * Every crash point of the engine, in one table: `lifeboat --list-failpoints` prints it, and
 * docs/failpoints.md holds the same table, checked against this one by a unit test so it cannot
 * go stale. Each command's points live in a file of their own beside this one.
 */
import { CAPTURE_POINTS } from './capture-points.js';
import type { FailpointSpec } from './failpoint-spec.js';
import { MEDIA_POINTS } from './media-points.js';
import { PRUNE_POINTS } from './prune-points.js';
import { REPAIR_POINTS } from './repair-points.js';
import { RESTORE_POINTS } from './restore-points.js';

export const FAILPOINTS = [...CAPTURE_POINTS, ...RESTORE_POINTS, ...PRUNE_POINTS, ...REPAIR_POINTS, ...MEDIA_POINTS] as const;

export type FailpointName = (typeof FAILPOINTS)[number]['name'];

export function findFailpoint(name: string): FailpointSpec | undefined {
  return FAILPOINTS.find((point) => point.name === name);
}

/** The table as Markdown rows, in the table's order: what docs/failpoints.md must hold between its markers. */
export function failpointMarkdown(): string {
  const rows = FAILPOINTS.map((point: FailpointSpec) => `| \`${point.name}\` | ${point.repeats ? 'yes' : 'no'} | ${point.rule.replace(/\|/g, '\\|')} |`);
  return ['| point | reached more than once | ordering rule it tests |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The table for a terminal: one point a line, then its rule indented. */
export function failpointText(): string {
  return FAILPOINTS.map((point: FailpointSpec) => `${point.name}${point.repeats ? ' (repeats)' : ''}\n    ${point.rule}`).join('\n');
}
