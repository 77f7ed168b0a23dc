import type { DiskAnalysis } from '../disks/analyze-disk.js';
import type { FilesystemAnalysis, FilesystemInfo } from '../filesystems/filesystem-types.js';
import type { Partition, PartitionTable } from '../partitions/partition-table.js';

/** Version of the `lifeboat inspect --json` document; docs/inspect-json.md describes it. */
export const INSPECT_JSON_SCHEMA = 'lifeboat.inspect/1';

export interface AnalysisJson {
  filesystem: FilesystemInfo | null;
  coverage: FilesystemAnalysis['coverage'];
  reason: string | null;
  blockSizeBytes: number;
  totalBlocks: number;
  usedBlocks: number;
  runs: number;
  copiedBytes: number;
  /** The used runs as [first block, block count], only with --map. */
  map?: Array<[number, number]>;
}

export interface InspectJson {
  schema: typeof INSPECT_JSON_SCHEMA;
  path: string;
  sizeBytes: number;
  table: PartitionTable;
  partitions: Array<Partition & AnalysisJson>;
  wholeDisk: AnalysisJson | null;
  outsidePartitionsBytes: number;
  copiedBytes: number;
}

function analysisJson(analysis: FilesystemAnalysis, copiedBytes: number, withMap: boolean): AnalysisJson {
  const { map } = analysis;
  return {
    filesystem: analysis.info,
    coverage: analysis.coverage,
    reason: analysis.reason,
    blockSizeBytes: map.blockSizeBytes,
    totalBlocks: map.totalBlocks,
    usedBlocks: map.used.totalBlocks,
    runs: map.used.length,
    copiedBytes,
    ...(withMap ? { map: map.used.toJSON() } : {}),
  };
}

export function inspectToJson(path: string, disk: DiskAnalysis, options: { map: boolean }): InspectJson {
  return {
    schema: INSPECT_JSON_SCHEMA,
    path,
    sizeBytes: disk.sizeBytes,
    table: disk.table,
    partitions: disk.partitions.map((p) => ({ ...p.partition, ...analysisJson(p.analysis, p.copiedBytes, options.map) })),
    wholeDisk: disk.wholeDisk && analysisJson(disk.wholeDisk, disk.copiedBytes, options.map),
    outsidePartitionsBytes: disk.outsidePartitionsBytes,
    copiedBytes: disk.copiedBytes,
  };
}
