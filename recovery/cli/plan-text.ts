/**
 * The plan a destructive command prints before it asks: what the target is now (model, serial,
 * size, partitions) and what it will hold afterwards, side by side in one list each.
 */
import { formatBytes } from '../core/format-bytes.js';
import type { OpenedDisk } from '../disks/open-for-pipeline.js';
import type { PartitionTable } from '../partitions/partition-table.js';
import { extentLabel } from '../pipeline/extents.js';
import type { ExtentRecord } from '../repository/snapshot-types.js';

export function targetLines(opened: OpenedDisk, current: PartitionTable | null, problem: string | null): string[] {
  const who = [opened.identity.model, opened.identity.serial ? `serial ${opened.identity.serial}` : null].filter(Boolean).join(', ');
  const lines = [`Target: ${opened.disk.path}${who ? ` (${who})` : ''}, ${formatBytes(opened.disk.sizeBytes)}, ${opened.disk.logicalSectorSize}-byte sectors`];
  if (problem) lines.push(`  now: its partition table cannot be read (${problem})`);
  else if (!current || current.scheme === 'none') lines.push('  now: no partition table');
  else {
    lines.push(`  now: ${current.scheme.toUpperCase()} with ${current.partitions.length} partition(s); ALL OF THIS WILL BE DESTROYED:`);
    for (const p of current.partitions)
      lines.push(
        `    ${String(p.number).padStart(3)}  ${formatBytes(p.startBytes).padStart(10)}  ${formatBytes(p.sizeBytes).padStart(10)}  ${p.typeName}${p.name ? ` "${p.name}"` : ''}`,
      );
  }
  return lines;
}

export function extentLines(extents: readonly ExtentRecord[]): string[] {
  return extents.map(
    (e) =>
      `    ${extentLabel(e).padEnd(40)} at ${formatBytes(e.startBytes).padStart(10)}, ${formatBytes(e.sizeBytes).padStart(10)}, ${formatBytes(e.usedBytes).padStart(10)} to write`,
  );
}
