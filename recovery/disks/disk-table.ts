import { formatBytes } from '../core/format-bytes.js';
import { diskFlags, type DiskFlag } from './disk-flags.js';
import type { HelperDisk } from '../helper/protocol.js';
import { partitionTypeName } from '../partitions/partition-types.js';

/** One printed line: a disk or one of its partitions, already cut into columns. */
export interface DiskTableRow {
  kind: 'disk' | 'partition';
  cells: string[];
}

export const DISK_TABLE_HEADER = ['DEVICE', 'SIZE', 'TRANSPORT', 'MODEL / TYPE', 'FLAGS / MOUNTED AT'];
/** Column widths for an 80-column console (the Linux console's default); the last takes the rest. */
const LINE_WIDTH = 80;
const WIDTHS = [15, 11, 10, 22];
const LAST_WIDTH = LINE_WIDTH - WIDTHS.reduce((a, b) => a + b, 0);

/** Short words for the flags, so a disk's marks fit its line; docs and the legend spell them out. */
const FLAG_WORDS: Record<DiskFlag, string> = {
  system: 'system',
  'boot-medium': 'boot',
  mounted: 'mounted',
  'in-use': 'in-use',
  removable: 'removable',
  'read-only': 'ro',
};

export const FLAG_LEGEND = 'system: runs this PC  boot: Lifeboat started from it  ro: read-only';

function describeModel(disk: HelperDisk): string {
  const words = [disk.vendor, disk.model].filter((w): w is string => Boolean(w));
  if (disk.transport === 'loop' && disk.loopBackingFile) return disk.loopBackingFile;
  return words.join(' ') || '(no model)';
}

export function diskTableRows(disks: HelperDisk[]): DiskTableRow[] {
  const rows: DiskTableRow[] = [];
  for (const disk of disks) {
    rows.push({
      kind: 'disk',
      cells: [disk.path, formatBytes(disk.sizeBytes), disk.transport, describeModel(disk), diskFlags(disk).map((f) => FLAG_WORDS[f]).join(',')],
    });
    for (const part of disk.partitions) {
      const what = [partitionTypeName(part.type), part.label ? `"${part.label}"` : ''].filter(Boolean).join(' ');
      const where = [...part.mountpoints, ...part.holders.map((h) => `held by ${h}`)].join(', ');
      rows.push({ kind: 'partition', cells: [`  ${part.name}`, formatBytes(part.sizeBytes), '', what, where] });
    }
  }
  return rows;
}

/** Cuts text to a column, marking a cut with "~" so a truncated name is never taken for a whole one. */
function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}~` : text;
}

export function formatRow(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = WIDTHS[i];
      return width === undefined ? cut(cell, LAST_WIDTH) : cut(cell, width - 1).padEnd(width);
    })
    .join('')
    .trimEnd();
}

/** The `lifeboat disks` table as text. */
export function renderDiskTable(disks: HelperDisk[]): string {
  if (disks.length === 0) return 'No disks found.\n';
  const lines = [formatRow(DISK_TABLE_HEADER), ...diskTableRows(disks).map((r) => formatRow(r.cells))];
  return `${lines.join('\n')}\n`;
}
