import { sliceSource, type ByteSource } from '../core/byte-source.js';
import { analyzePartition } from '../filesystems/analyze-partition.js';
import type { FilesystemAnalysis } from '../filesystems/filesystem-types.js';
import type { Partition, PartitionTable } from '../partitions/partition-table.js';
import { readPartitionTable } from '../partitions/read-partition-table.js';

export interface PartitionAnalysis {
  partition: Partition;
  analysis: FilesystemAnalysis;
  /** Bytes a capture reads of this partition: its used blocks, cut at the partition's end. */
  copiedBytes: number;
}

/** Everything a capture needs to know before reading a byte of data. */
export interface DiskAnalysis {
  sizeBytes: number;
  table: PartitionTable;
  partitions: PartitionAnalysis[];
  /** A filesystem on the whole disk (no partition table), as on some USB sticks; null otherwise. */
  wholeDisk: FilesystemAnalysis | null;
  /**
   * Partition-table sectors plus the gap before the first partition (boot loaders such as GRUB's
   * core.img live there): captured as they are. Unallocated space between and after partitions
   * is listed in `table.gaps` but not counted.
   */
  outsidePartitionsBytes: number;
  /** The sum a capture reads: used blocks of every partition plus everything outside partitions. */
  copiedBytes: number;
}

function copiedBytesOf(analysis: FilesystemAnalysis, sizeBytes: number): number {
  const { map } = analysis;
  let bytes = 0;
  for (const { start, count } of map.used) {
    const from = start * map.blockSizeBytes;
    bytes += Math.max(0, Math.min(sizeBytes, (start + count) * map.blockSizeBytes) - from);
  }
  return bytes;
}

/**
 * Reads a disk's partition table and analyses every partition: which filesystem, which blocks are
 * used, what is copied whole and why. Extended MBR partitions are containers of EBRs (captured as
 * table metadata) and hold no filesystem of their own.
 */
export async function analyzeDisk(source: ByteSource, sectorSizeBytes: number): Promise<DiskAnalysis> {
  const table = await readPartitionTable(source, sectorSizeBytes);
  const partitions: PartitionAnalysis[] = [];
  for (const partition of table.partitions) {
    if (partition.kind === 'extended') continue;
    // A partition past the end of a truncated image is analysed as far as the image goes.
    const size = Math.max(0, Math.min(partition.sizeBytes, source.sizeBytes - Math.min(partition.startBytes, source.sizeBytes)));
    const analysis = await analyzePartition(sliceSource(source, Math.min(partition.startBytes, source.sizeBytes), size));
    partitions.push({ partition, analysis, copiedBytes: copiedBytesOf(analysis, size) });
  }
  const wholeDisk = table.scheme === 'none' ? await analyzePartition(source) : null;
  const leadingGaps = table.gaps.filter((gap) => gap.position === 'leading');
  const outsidePartitionsBytes = [...table.metadataAreas, ...leadingGaps].reduce((sum, area) => sum + area.sizeBytes, 0);
  const inside = wholeDisk ? copiedBytesOf(wholeDisk, source.sizeBytes) : partitions.reduce((sum, p) => sum + p.copiedBytes, 0);
  return { sizeBytes: source.sizeBytes, table, partitions, wholeDisk, outsidePartitionsBytes, copiedBytes: inside + (wholeDisk ? 0 : outsidePartitionsBytes) };
}
