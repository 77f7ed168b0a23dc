/**
 * What `lifeboat check` reports: one finding per problem, each with what to do. Errors are damage
 * (exit code 1); warnings and info are states a later command settles by itself, such as what a
 * killed capture left behind, which the next capture or `repair` reuses (docs/image-format.md).
 */
export type Severity = 'error' | 'warning' | 'info';

export type FindingKind =
  | 'repository'
  | 'lock'
  | 'layout'
  | 'tmp-leftovers'
  | 'pack-damaged'
  | 'pack-unindexed'
  | 'index-damaged'
  | 'index-pack-missing'
  | 'index-entry-wrong'
  | 'manifest-damaged'
  | 'snapshot-incomplete'
  | 'chunk-damaged'
  | 'unreferenced';

export interface Finding {
  severity: Severity;
  kind: FindingKind;
  /** What is wrong, naming the file, pack, chunk or snapshot. */
  message: string;
  /** What to do about it, or null when nothing is needed. */
  action: string | null;
}

export class Findings {
  readonly list: Finding[] = [];

  add(severity: Severity, kind: FindingKind, message: string, action: string | null = null): void {
    this.list.push({ severity, kind, message, action });
  }

  count(severity: Severity): number {
    return this.list.filter((finding) => finding.severity === severity).length;
  }
}

/** The command that rebuilds the index, as a sentence's tail. */
export function repairAction(repoDir: string, what = 'it keeps every chunk that is still readable and rebuilds the index'): string {
  return `run \`lifeboat repair --repo ${repoDir}\`: ${what}.`;
}
