import { sectorSource } from '../../core/byte-source.js';
import { LifeboatError } from '../../core/errors.js';
import type { OpenedDisk } from '../../disks/open-for-pipeline.js';
import type { PartitionTable } from '../../partitions/partition-table.js';
import { readPartitionTable } from '../../partitions/read-partition-table.js';
import type { TargetFacts } from '../../pipeline/restore-plan.js';
import type { Snapshot } from '../../repository/snapshot-types.js';

/** The target's current partition table, or why it cannot be read. */
export async function currentTable(opened: OpenedDisk): Promise<{ table: PartitionTable | null; problem: string | null }> {
  try {
    return { table: await readPartitionTable(sectorSource(opened.disk), opened.disk.logicalSectorSize), problem: null };
  } catch (error) {
    return { table: null, problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Where a partition restore (or comparison) goes: a partition device or a disk without a table
 * is the partition itself; on a disk with a table, `--partition N` names the partition in it.
 */
export function targetFacts(snapshot: Snapshot, opened: OpenedDisk, table: PartitionTable | null, partitionNumber: number | undefined): TargetFacts {
  const base = { path: opened.disk.path, sizeBytes: opened.disk.sizeBytes, logicalSectorSize: opened.disk.logicalSectorSize };
  const partitionMode = partitionNumber !== undefined || snapshot.description.scope === 'partition';
  if (!partitionMode || opened.partition || !table || table.scheme === 'none') return base;
  const number = partitionNumber ?? snapshot.description.extents[0]?.number ?? undefined;
  const found = table.partitions.find((p) => p.number === number && p.kind !== 'extended');
  if (!found) {
    throw new LifeboatError(
      'USAGE',
      `${opened.disk.path} has a partition table without partition ${String(number)}; give the partition device itself, or a --partition number it has (${table.partitions.map((p) => p.number).join(', ') || 'none'}).`,
    );
  }
  return { ...base, partitionOffsetBytes: found.startBytes, partitionSizeBytes: found.sizeBytes };
}
