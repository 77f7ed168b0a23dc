import wrapAnsi from 'wrap-ansi';
import { formatBytes } from '../core/format-bytes.js';
import type { DiskAnalysis } from '../disks/analyze-disk.js';
import type { FilesystemAnalysis } from '../filesystems/filesystem-types.js';
import type { PartitionTable } from '../partitions/partition-table.js';

/** Columns for an 80-column console; the last takes the rest. */
const WIDTHS = [4, 11, 11, 8, 16, 11];
const LINE_WIDTH = 80;

/** Sentences wrapped to the console's width, continuation lines indented under the first. */
function wrapped(text: string, indent: string): string[] {
  return wrapAnsi(text, LINE_WIDTH - indent.length - 2, { hard: true })
    .split('\n')
    .map((line, i) => `${indent}${i === 0 ? '' : '  '}${line}`);
}
const HEADER = ['#', 'START', 'SIZE', 'FS', 'LABEL', 'COPIED', 'HOW'];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = WIDTHS[i];
      if (width === undefined) return cell;
      return (cell.length >= width ? `${cell.slice(0, width - 2)}~` : cell).padEnd(width);
    })
    .join('')
    .trimEnd();
}

function how(analysis: FilesystemAnalysis): string {
  if (analysis.coverage === 'header') return 'header only';
  if (analysis.coverage === 'whole') return 'whole (see below)';
  return analysis.info?.type === 'ntfs' || analysis.info?.type === 'vfat' || analysis.info?.type === 'exfat' ? 'used clusters' : 'used blocks';
}

function fsWord(analysis: FilesystemAnalysis): string {
  const info = analysis.info;
  if (!info) return '-';
  return info.type === 'vfat' && info.version ? info.version : info.type;
}

function describeTable(table: PartitionTable): string {
  const sectors = `${table.sectorSizeBytes}-byte sectors`;
  if (table.scheme === 'gpt') return `GPT (${table.gpt?.source ?? 'primary'} copy${table.mbr?.hybrid ? ', hybrid MBR' : ''}), ${sectors}`;
  if (table.scheme === 'mbr') return `MBR${table.mbr?.logicals.length ? ` with ${table.mbr.logicals.length} logical partitions` : ''}, ${sectors}`;
  return `no partition table, ${sectors}`;
}

/** `lifeboat inspect` as text: what the disk holds and what a capture would read of it. */
export function renderInspect(path: string, disk: DiskAnalysis): string {
  const lines = [...wrapped(`${path}  ${formatBytes(disk.sizeBytes)}  ${describeTable(disk.table)}`, ''), '', row(HEADER)];
  const wholeReasons: string[] = [];
  for (const { partition, analysis, copiedBytes } of disk.partitions) {
    const label = analysis.info?.label || partition.name || '';
    lines.push(
      row([
        String(partition.number),
        formatBytes(partition.startBytes),
        formatBytes(partition.sizeBytes),
        fsWord(analysis),
        label,
        formatBytes(copiedBytes),
        how(analysis),
      ]),
    );
    if (analysis.reason && analysis.coverage === 'whole') wholeReasons.push(`partition ${partition.number}: ${analysis.reason}`);
  }
  if (disk.wholeDisk) {
    const analysis = disk.wholeDisk;
    lines.push(row(['-', '0 B', formatBytes(disk.sizeBytes), fsWord(analysis), analysis.info?.label ?? '', formatBytes(disk.copiedBytes), how(analysis)]));
    if (analysis.reason && analysis.coverage === 'whole') wholeReasons.push(`the disk: ${analysis.reason}`);
  }
  lines.push('');
  if (!disk.wholeDisk) {
    const leading = disk.table.gaps.find((gap) => gap.position === 'leading');
    const unallocated = disk.table.gaps.filter((gap) => gap.position !== 'leading').reduce((sum, gap) => sum + gap.sizeBytes, 0);
    lines.push(
      `Outside partitions: ${formatBytes(disk.outsidePartitionsBytes)} copied (the table${leading ? `, ${formatBytes(leading.sizeBytes)} before partition 1` : ''}).`,
    );
    if (unallocated > 0) lines.push(`Unallocated between and after partitions: ${formatBytes(unallocated)}, not copied.`);
  }
  const share = disk.sizeBytes > 0 ? ((disk.copiedBytes / disk.sizeBytes) * 100).toFixed(1) : '0.0';
  lines.push(`A capture reads ${formatBytes(disk.copiedBytes)} of ${formatBytes(disk.sizeBytes)} (${share}%).`);
  if (wholeReasons.length > 0) lines.push('', 'Copied whole:', ...wholeReasons.flatMap((text) => wrapped(text, '  ')));
  if (disk.table.warnings.length > 0) lines.push('', 'Partition table:', ...disk.table.warnings.flatMap((text) => wrapped(text, '  ')));
  return `${lines.join('\n')}\n`;
}
