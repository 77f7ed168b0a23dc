/**
 * What a snapshot manifest holds (docs/image-format.md). The description is plain JSON data; the
 * bulky parts (raw table bytes, used ranges, chunk digests) travel as binary sections.
 */
import type { FilesystemInfo } from '../filesystems/filesystem-types.js';
import type { ByteOwner } from '../filesystems/byte-owners.js';
import type { MetadataArea, Partition, PartitionTable } from '../partitions/partition-table.js';

export const SNAPSHOT_SCHEMA = 'lifeboat.snapshot/1';

export interface SourceIdentity {
  path: string;
  kind: 'block-device' | 'image-file';
  model: string | null;
  serial: string | null;
  sizeBytes: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
}

export type ExtentKind = 'partition' | 'gap' | 'disk';

export interface ExtentRecord {
  kind: ExtentKind;
  /** The partition's number; null for a gap or a whole disk. */
  number: number | null;
  /** Where the extent starts on the source disk; a partition-scope snapshot keeps its partition's offset too. */
  startBytes: number;
  sizeBytes: number;
  partition: Partition | null;
  filesystem: FilesystemInfo | null;
  coverage: 'filesystem' | 'whole' | 'header';
  reason: string | null;
  usedBytes: number;
  rangeStart: number;
  rangeCount: number;
  chunkStart: number;
  chunkCount: number;
  storedChunks: number;
}

export interface StoredMetadataArea extends MetadataArea {
  /** Where its bytes start in the metadata section. */
  sectionOffset: number;
}

export interface SnapshotTotals {
  usedBytes: number;
  chunks: number;
  /** Chunks this capture stored that the repository did not have. */
  newChunks: number;
  /** Bytes this capture added to the repository's packs. */
  newStoredBytes: number;
}

export interface SnapshotDescription {
  schema: typeof SNAPSHOT_SCHEMA;
  tool: string;
  createdAt: string;
  finishedAt: string;
  note: string | null;
  scope: 'disk' | 'partition';
  chunkSizeBytes: number;
  source: SourceIdentity;
  table: PartitionTable;
  metadataAreas: StoredMetadataArea[];
  extents: ExtentRecord[];
  totals: SnapshotTotals;
  /** Present when the capture ran with --rescue: what could not be read, and whose it was. */
  rescue?: RescueRecord;
}

/** One pass of a --rescue capture: the used-block pass or a retry pass with smaller reads. */
export interface RescuePassRecord {
  name: string;
  /** The size reads had in this pass (pass 1: up to a chunk, joined used pieces). */
  readSizeBytes: number;
  reads: number;
  failedReads: number;
  /** Bytes this pass read that an earlier pass could not. */
  recoveredBytes: number;
  seconds: number;
}

/** One unreadable range as the capture explained it (the sectors themselves are in section 5). */
export interface RescueRangeRecord {
  firstSector: number;
  sectorCount: number;
  /** Index of the extent holding it. */
  extent: number;
  /** The partition's number, or null for a gap or a whole disk. */
  partition: number | null;
  /** Files and filesystem structures whose bytes these are. */
  owners: ByteOwner[];
  /** Why no owners could be named, or that some were left out; null when all are listed. */
  ownersNote: string | null;
}

export interface RescueRecord {
  badSectorCount: number;
  badRangeCount: number;
  passes: RescuePassRecord[];
  /** The first ranges (at most MAX_DESCRIBED_BAD_RANGES), with their owners. */
  ranges: RescueRangeRecord[];
  /** Ranges in section 5 beyond those described here. */
  rangesNotDescribed: number;
}

/** A snapshot in memory: description plus its binary sections. */
export interface SnapshotContent {
  description: SnapshotDescription;
  /** The metadata areas' bytes, concatenated in description order. */
  metadataBytes: Buffer;
  /** (first sector, sector count) pairs of every extent, in extent order. */
  ranges: Float64Array;
  /** 32 bytes per chunk, every extent's chunks in order. */
  digests: Buffer;
  /**
   * Section 5: (first sector, sector count) pairs, in the source's logical sectors from its start,
   * that a --rescue capture could not read and stored as zeros. Absent or empty: none.
   */
  badRanges?: Float64Array;
}

export interface Snapshot extends SnapshotContent {
  /** First 16 hex digits of the manifest's SHA-256. */
  id: string;
  file: string;
}
