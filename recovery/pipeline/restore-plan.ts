/**
 * What a restore will do, decided before the first write: where each extent goes on the target,
 * which sectors are cleared first and which table sectors are written last. A target that is too
 * small is refused here, so nothing has been written when the user hears about it.
 */
import { LifeboatError } from '../core/errors.js';
import type { PartitionTable, PlannedWrite } from '../partitions/partition-table.js';
import { clearPartitionTableWrites, planPartitionTableWrites, requiredTargetBytes } from '../partitions/write-partition-table.js';
import type { MetadataBytes } from '../partitions/read-metadata-areas.js';
import type { ExtentRecord, Snapshot } from '../repository/snapshot-types.js';
import { formatBytes } from '../core/format-bytes.js';

export interface TargetFacts {
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
  /** Set when the target is a partition inside a disk whose table Lifeboat read (restore --partition onto a disk). */
  partitionOffsetBytes?: number;
  partitionSizeBytes?: number;
}

export interface PlannedExtentWrite {
  extent: ExtentRecord;
  /** Where the extent's first byte goes on the target. */
  targetStartBytes: number;
}

export interface RestorePlan {
  mode: 'disk' | 'partition';
  target: TargetFacts;
  extents: PlannedExtentWrite[];
  /** Disk mode: zeros over the old MBR and GPT headers, written before any data. */
  clearWrites: PlannedWrite[];
  /** Disk mode: the partition table, written after all data. */
  tableWrites: PlannedWrite[];
  requiredBytes: number;
  usedBytes: number;
  /** Sentences for the plan printout ("the backup GPT moves to the new end"...). */
  notes: string[];
}

export function snapshotMetadata(snapshot: Snapshot): MetadataBytes[] {
  return snapshot.description.metadataAreas.map((area) => ({ ...area, bytes: snapshot.metadataBytes.subarray(area.sectionOffset, area.sectionOffset + area.sizeBytes) }));
}

function tooSmall(what: string, haveBytes: number, needBytes: number): LifeboatError {
  return new LifeboatError(
    'OUT_OF_RANGE',
    `The target ${what} is ${formatBytes(needBytes - haveBytes)} (${needBytes - haveBytes} bytes) too small: it has ${haveBytes} bytes and the snapshot needs ${needBytes}. Nothing was written; choose a target of at least ${formatBytes(needBytes)}.`,
  );
}

function diskRequirement(snapshot: Snapshot): number {
  const { table, extents } = snapshot.description;
  const extentEnd = Math.max(0, ...extents.map((e) => e.startBytes + e.sizeBytes));
  return table.scheme === 'none' ? extentEnd : Math.max(extentEnd, requiredTargetBytes(table as PartitionTable));
}

export function planRestore(snapshot: Snapshot, target: TargetFacts, partitionNumber?: number): RestorePlan {
  const d = snapshot.description;
  if (d.source.logicalSectorSize !== target.logicalSectorSize) {
    throw new LifeboatError('UNSUPPORTED', `The snapshot was captured from a disk with ${d.source.logicalSectorSize}-byte sectors and ${target.path} has ${target.logicalSectorSize}-byte sectors; partition tables and filesystems do not survive that change. Choose a target with ${d.source.logicalSectorSize}-byte sectors.`);
  }
  const notes: string[] = [];
  if (partitionNumber !== undefined || d.scope === 'partition') {
    const extent = partitionNumber === undefined ? d.extents[0] : d.extents.find((e) => e.kind === 'partition' && e.number === partitionNumber);
    if (!extent) {
      const numbers = d.extents.filter((e) => e.kind === 'partition').map((e) => e.number).join(', ');
      throw new LifeboatError('USAGE', `The snapshot has no partition ${String(partitionNumber)}; it holds ${numbers || 'none'}.`);
    }
    const room = target.partitionSizeBytes ?? target.sizeBytes;
    if (room < extent.sizeBytes) throw tooSmall(target.partitionSizeBytes === undefined ? target.path : `partition on ${target.path}`, room, extent.sizeBytes);
    if (room > extent.sizeBytes) notes.push(`The target is ${formatBytes(room - extent.sizeBytes)} larger than the partition; the filesystem keeps its captured size.`);
    return { mode: 'partition', target, extents: [{ extent, targetStartBytes: target.partitionOffsetBytes ?? 0 }], clearWrites: [], tableWrites: [], requiredBytes: extent.sizeBytes, usedBytes: extent.usedBytes, notes };
  }
  const required = diskRequirement(snapshot);
  if (target.sizeBytes < required) throw tooSmall(`disk ${target.path}`, target.sizeBytes, required);
  const table = d.table as PartitionTable;
  const tableWrites = planPartitionTableWrites(table, snapshotMetadata(snapshot), target.sizeBytes);
  if (target.sizeBytes > d.source.sizeBytes) {
    notes.push(`The target is ${formatBytes(target.sizeBytes - d.source.sizeBytes)} larger than the source; partitions keep their places${table.scheme === 'gpt' ? ' and the backup GPT moves to the new end' : ''}.`);
  }
  return {
    mode: 'disk',
    target,
    extents: d.extents.map((extent) => ({ extent, targetStartBytes: extent.startBytes })),
    clearWrites: clearPartitionTableWrites(target.sizeBytes, target.logicalSectorSize),
    tableWrites,
    requiredBytes: required,
    usedBytes: d.extents.reduce((sum, e) => sum + e.usedBytes, 0),
    notes,
  };
}
