import type { PartitionTable } from './partition-table.js';

/**
 * The partition list as the kernel should see it after a table is written, for the helper's
 * BLKPG fallback (loop devices and disks where BLKRRPART does nothing). An extended MBR partition
 * is exposed as its first 1 KiB (or one sector when sectors are larger), as Linux's msdos code does.
 */
export function kernelPartitions(table: PartitionTable): Array<{ number: number; startBytes: number; sizeBytes: number }> {
  return table.partitions
    .filter((p) => p.sizeBytes > 0)
    .map((p) => ({ number: p.number, startBytes: p.startBytes, sizeBytes: p.kind === 'extended' ? Math.max(1024, table.sectorSizeBytes) : p.sizeBytes }));
}
