/**
 * The restore and clone plan as the screens show it: the target's partitions now and after, side
 * by side in two 39-column halves, so what will be destroyed is read next to what replaces it.
 */
import { formatBytes } from '../core/format-bytes.js';
import type { ListedDisk } from '../disks/disk-table.js';
import type { FilesystemSummary } from '../disks/inspect-disks.js';
import type { FilesystemInfo } from '../filesystems/filesystem-types.js';
import { partitionTypeName } from '../partitions/partition-types.js';
import type { ListedPartition } from './disk-choices.js';

export const HALF_WIDTH = 39;

export interface LayoutRow {
  number: number | null;
  sizeBytes: number;
  what: string;
}

function fsWords(fs: Pick<FilesystemInfo, 'type' | 'version' | 'label'> | null | undefined, fallback: string): string {
  if (!fs) return fallback || 'no filesystem';
  const type = fs.type === 'vfat' && fs.version ? fs.version : fs.type;
  return fs.label ? `${type} "${fs.label}"` : type;
}

/** The target as it is: its partitions, or what is on the whole device. */
export function currentRows(disk: ListedDisk, partition: ListedPartition | null): LayoutRow[] {
  if (partition) return [{ number: partition.number, sizeBytes: partition.sizeBytes, what: fsWords(partition.filesystem, partitionTypeName(partition.type)) }];
  const whole = 'filesystem' in disk ? (disk.filesystem as FilesystemSummary | null) : null;
  if (disk.partitions.length === 0) return whole ? [{ number: null, sizeBytes: disk.sizeBytes, what: `${fsWords(whole, '')} (no table)` }] : [];
  return disk.partitions.map((p: ListedPartition) => ({ number: p.number, sizeBytes: p.sizeBytes, what: fsWords(p.filesystem, partitionTypeName(p.type)) }));
}

export function rowText(row: LayoutRow): string {
  const text = `${row.number === null ? '  -' : String(row.number).padStart(3)}  ${formatBytes(row.sizeBytes).padStart(10)}  ${row.what}`;
  return text.length > HALF_WIDTH - 1 ? `${text.slice(0, HALF_WIDTH - 2)}~` : text;
}

/** Two lists of lines as one, the left padded to half the screen. */
export function sideBySide(left: readonly string[], right: readonly string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i] ?? '';
    lines.push(`${(l.length > HALF_WIDTH - 1 ? `${l.slice(0, HALF_WIDTH - 2)}~` : l).padEnd(HALF_WIDTH)} ${right[i] ?? ''}`.trimEnd());
  }
  return lines;
}

/** At most `max` rows of a column, the rest summed up in one line. */
export function clip(rows: readonly string[], max: number): string[] {
  if (rows.length <= max) return [...rows];
  return [...rows.slice(0, max - 1), `  ... and ${rows.length - max + 1} more`];
}
