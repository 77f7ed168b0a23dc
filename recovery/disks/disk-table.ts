import { formatBytes } from '../core/format-bytes.js';
import { diskFlags, type DiskFlag } from './disk-flags.js';
import type { HelperDisk, HelperPartition } from '../helper/protocol.js';
import { partitionTypeName } from '../partitions/partition-types.js';
import type { FilesystemSummary, InspectedDisk } from './inspect-disks.js';

/** The table shows the helper's list, or the same list with filesystems read (inspectDisks). */
export type ListedDisk = HelperDisk | InspectedDisk;
type ListedPartition = HelperPartition & { filesystem?: FilesystemSummary | null };

/** One printed line: a disk or one of its partitions, already cut into columns. */
export interface DiskTableRow {
  kind: 'disk' | 'partition';
  cells: string[];
}

export const DISK_TABLE_HEADER = ['DEVICE', 'SIZE', 'BUS / FS', 'MODEL / TYPE "LABEL"', 'FLAGS / FREE, MOUNTS'];
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

/** FAT's version says more to a technician than blkid's "vfat". */
function filesystemWord(fs: FilesystemSummary | null | undefined): string {
  if (!fs) return '';
  return fs.type === 'vfat' && fs.version ? fs.version : fs.type;
}

function describePartition(part: ListedPartition): string {
  const label = part.filesystem?.label || part.label;
  return [partitionTypeName(part.type), label ? `"${label}"` : ''].filter(Boolean).join(' ');
}

/** Free space first (what a technician looks for), then a dirty mark, then where it is mounted. */
function describeState(part: ListedPartition): string {
  const fs = part.filesystem;
  const words: string[] = [];
  if (fs?.freeBytes != null) words.push(`${formatBytes(fs.freeBytes)} free`);
  if (fs?.dirty) words.push('dirty');
  words.push(...part.mountpoints, ...part.holders.map((h) => `held by ${h}`));
  return words.join(', ');
}

function describeModel(disk: ListedDisk): string {
  const words = [disk.vendor, disk.model].filter((w): w is string => Boolean(w));
  if (disk.transport === 'loop' && disk.loopBackingFile) return disk.loopBackingFile;
  return words.join(' ') || '(no model)';
}

export function diskTableRows(disks: ListedDisk[]): DiskTableRow[] {
  const rows: DiskTableRow[] = [];
  for (const disk of disks) {
    rows.push({
      kind: 'disk',
      cells: [
        disk.path,
        formatBytes(disk.sizeBytes),
        disk.transport,
        describeModel(disk),
        diskFlags(disk)
          .map((f) => FLAG_WORDS[f])
          .join(','),
      ],
    });
    if ('filesystem' in disk && disk.filesystem) {
      const whole: ListedPartition = {
        ...disk,
        name: '(whole disk)',
        number: 0,
        startBytes: 0,
        type: null,
        uuid: null,
        label: null,
        filesystem: disk.filesystem,
      };
      rows.push({
        kind: 'partition',
        cells: ['  (no table)', formatBytes(disk.sizeBytes), filesystemWord(disk.filesystem), describePartition(whole), describeState(whole)],
      });
    }
    const partitions: ListedPartition[] = disk.partitions;
    for (const part of partitions) {
      rows.push({
        kind: 'partition',
        cells: [`  ${part.name}`, formatBytes(part.sizeBytes), filesystemWord(part.filesystem), describePartition(part), describeState(part)],
      });
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
export function renderDiskTable(disks: ListedDisk[]): string {
  if (disks.length === 0) return 'No disks found.\n';
  const lines = [formatRow(DISK_TABLE_HEADER), ...diskTableRows(disks).map((r) => formatRow(r.cells))];
  // Below the table, whole: what could not be read, and tables read with a caveat (a GPT read from its backup).
  const notes = disks.flatMap((d) => {
    if (!('inspectProblem' in d)) return [];
    const problems = d.inspectProblem ? [d.inspectProblem.message] : [];
    const partitions = d.partitions.flatMap((p) => (p.filesystemProblem ? [`${p.name}: ${p.filesystemProblem.message}`] : []));
    return [...problems, ...d.partitionTableWarnings, ...partitions].map((text) => `${d.path}: ${text}`);
  });
  return `${[...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n')}\n`;
}
