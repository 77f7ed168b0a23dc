/**
 * What a restore will do, decided before the first write: where each extent goes on the target,
 * which sectors are cleared first and which table sectors are written last. A target that is too
 * small is refused here, so nothing has been written when the user hears about it.
 */
import { createHash } from 'node:crypto';
import { LifeboatError } from '../core/errors.js';
import type { PartitionTable, PlannedWrite } from '../partitions/partition-table.js';
import { growLastPartition } from '../partitions/grow-last-partition.js';
import { planPartitionTableWrites, requiredTargetBytes } from '../partitions/write-partition-table.js';
import type { MetadataBytes } from '../partitions/read-metadata-areas.js';
import type { ExtentRecord, Snapshot } from '../repository/snapshot-types.js';
import { formatBytes } from '../core/format-bytes.js';
import { guardZones, isInside, type WriteRegion } from './guard-zones.js';

export interface TargetFacts {
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
  /** Set when the target is a partition inside a disk whose table Lifeboat read (restore --partition onto a disk). */
  partitionOffsetBytes?: number;
  partitionSizeBytes?: number;
  /** Sectors where the target's current table keeps copies of itself (a backup GPT that is not at the last LBA). */
  staleTableLbas?: number[];
}

/** Filesystems `--grow-last` can grow, and the tool that does it. */
export const GROWABLE_FILESYSTEMS = { ext2: 'resize2fs', ext3: 'resize2fs', ext4: 'resize2fs', ntfs: 'ntfsresize' } as const;
export type GrowableFilesystem = keyof typeof GROWABLE_FILESYSTEMS;

export interface GrowPlan {
  partitionNumber: number;
  filesystem: GrowableFilesystem;
  startBytes: number;
  fromBytes: number;
  toBytes: number;
  /** What the filesystem says its size is now (it may be smaller than its partition). */
  filesystemBytes: number | null;
}

export interface PlanOptions {
  /** Grow the last partition and its filesystem to the end of a larger target. */
  growLast?: boolean;
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
  /** The span of the target the restore writes: the whole disk, or the partition's span. Its first and last MiB are written last (guard-zones.ts). */
  region: WriteRegion;
  /** Zeros over stale table copies outside the guard zones, written before any data. */
  clearWrites: PlannedWrite[];
  /** Disk mode: the partition table, written after all data. */
  tableWrites: PlannedWrite[];
  /** Disk mode: the table as written (grown with --grow-last), for the kernel's re-read. */
  table: PartitionTable | null;
  grow: GrowPlan | null;
  requiredBytes: number;
  usedBytes: number;
  /** Sentences for the plan printout ("the backup GPT moves to the new end"...). */
  notes: string[];
}

export function snapshotMetadata(snapshot: Snapshot): MetadataBytes[] {
  return snapshot.description.metadataAreas.map((area) => ({
    ...area,
    bytes: snapshot.metadataBytes.subarray(area.sectionOffset, area.sectionOffset + area.sizeBytes),
  }));
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

function growPlan(snapshot: Snapshot, target: TargetFacts): { grown: ReturnType<typeof growLastPartition>; grow: GrowPlan } {
  const d = snapshot.description;
  if (target.sizeBytes <= d.source.sizeBytes) {
    throw new LifeboatError(
      'CANNOT_GROW',
      `--grow-last needs a larger target: ${target.path} has ${formatBytes(target.sizeBytes)} (${target.sizeBytes} bytes) and the captured disk had ${formatBytes(d.source.sizeBytes)}, so there is nothing to grow into. Nothing was written; restore without --grow-last.`,
    );
  }
  const grown = growLastPartition(d.table, snapshotMetadata(snapshot), target.sizeBytes);
  const number = grown.partition.number;
  const extent = d.extents.find((e) => e.kind === 'partition' && e.number === number);
  const fs = extent?.filesystem?.type;
  const tool = fs !== undefined && fs in GROWABLE_FILESYSTEMS ? GROWABLE_FILESYSTEMS[fs as GrowableFilesystem] : null;
  if (!extent || !fs || tool === null) {
    const what = fs ? `holds ${fs}` : 'holds no filesystem Lifeboat recognised';
    throw new LifeboatError(
      'CANNOT_GROW',
      `The last partition (${number}) ${what}, which Lifeboat cannot grow: --grow-last grows ext2/3/4 (resize2fs) and NTFS (ntfsresize). Nothing was written; restore without --grow-last.`,
    );
  }
  if (fs === 'ntfs' && extent.filesystem?.dirty === true) {
    throw new LifeboatError(
      'CANNOT_GROW',
      `The last partition (${number}) holds an NTFS volume that was marked dirty when it was captured (${extent.filesystem.dirtyReason ?? 'needs chkdsk'}); ntfsresize must not resize it. Nothing was written; restore without --grow-last, then let Windows run chkdsk and grow it in Disk Management.`,
    );
  }
  if (extent.coverage !== 'filesystem') {
    throw new LifeboatError(
      'CANNOT_GROW',
      `The last partition (${number}) holds ${fs}, but its metadata could not be read when it was captured (${extent.reason ?? 'copied whole'}); Lifeboat will not resize a filesystem it could not read. Nothing was written; restore without --grow-last.`,
    );
  }
  return {
    grown,
    grow: {
      partitionNumber: number,
      filesystem: fs as GrowableFilesystem,
      startBytes: grown.partition.startBytes,
      fromBytes: grown.partition.sizeBytes,
      toBytes: grown.newSizeBytes,
      filesystemBytes: extent.filesystem?.sizeBytes ?? null,
    },
  };
}

/** Zeros over the target's stale table copies, unless a guard zone covers them or restored data will. */
function staleClearWrites(target: TargetFacts, snapshot: Snapshot, region: WriteRegion, extents: readonly PlannedExtentWrite[]): PlannedWrite[] {
  const ss = target.logicalSectorSize;
  const sectors = Math.floor(target.sizeBytes / ss);
  // The source's last LBA held its backup GPT; on a larger target it is an ordinary sector now.
  const lbas = [...new Set([...(target.staleTableLbas ?? []), Math.floor(snapshot.description.source.sizeBytes / ss) - 1])];
  const zones = guardZones(region);
  return lbas
    .filter((lba) => Number.isSafeInteger(lba) && lba >= 0 && lba < sectors)
    .map((lba) => ({ startBytes: lba * ss, endBytes: (lba + 1) * ss }))
    .filter(
      (span) =>
        !isInside(span, zones) &&
        !extents.some(({ extent, targetStartBytes }) => span.endBytes > targetStartBytes && span.startBytes < targetStartBytes + extent.sizeBytes),
    )
    .map((span) => ({ offsetBytes: span.startBytes, bytes: new Uint8Array(ss), what: `old table copy at LBA ${span.startBytes / ss}` }));
}

export function planRestore(snapshot: Snapshot, target: TargetFacts, partitionNumber?: number, options: PlanOptions = {}): RestorePlan {
  const d = snapshot.description;
  if (d.source.logicalSectorSize !== target.logicalSectorSize) {
    throw new LifeboatError(
      'UNSUPPORTED',
      `The snapshot was captured from a disk with ${d.source.logicalSectorSize}-byte sectors and ${target.path} has ${target.logicalSectorSize}-byte sectors; partition tables and filesystems do not survive that change. Choose a target with ${d.source.logicalSectorSize}-byte sectors.`,
    );
  }
  const notes: string[] = [];
  if (partitionNumber !== undefined || d.scope === 'partition') {
    if (options.growLast)
      throw new LifeboatError(
        'USAGE',
        "--grow-last grows the last partition of a whole-disk restore; a partition restore keeps the filesystem's captured size.",
      );
    const extent = partitionNumber === undefined ? d.extents[0] : d.extents.find((e) => e.kind === 'partition' && e.number === partitionNumber);
    if (!extent) {
      const numbers = d.extents
        .filter((e) => e.kind === 'partition')
        .map((e) => e.number)
        .join(', ');
      throw new LifeboatError('USAGE', `The snapshot has no partition ${String(partitionNumber)}; it holds ${numbers || 'none'}.`);
    }
    const room = target.partitionSizeBytes ?? target.sizeBytes;
    if (room < extent.sizeBytes) throw tooSmall(target.partitionSizeBytes === undefined ? target.path : `partition on ${target.path}`, room, extent.sizeBytes);
    if (room > extent.sizeBytes)
      notes.push(`The target is ${formatBytes(room - extent.sizeBytes)} larger than the partition; the filesystem keeps its captured size.`);
    const offset = target.partitionOffsetBytes ?? 0;
    return {
      mode: 'partition',
      target,
      extents: [{ extent, targetStartBytes: offset }],
      region: { offsetBytes: offset, sizeBytes: extent.sizeBytes },
      clearWrites: [],
      tableWrites: [],
      table: null,
      grow: null,
      requiredBytes: extent.sizeBytes,
      usedBytes: extent.usedBytes,
      notes,
    };
  }
  const required = diskRequirement(snapshot);
  if (target.sizeBytes < required) throw tooSmall(`disk ${target.path}`, target.sizeBytes, required);
  let table = d.table as PartitionTable;
  let metadata = snapshotMetadata(snapshot);
  let grow: GrowPlan | null = null;
  if (options.growLast) {
    const planned = growPlan(snapshot, target);
    ({ table, metadata } = planned.grown);
    grow = planned.grow;
    if (planned.grown.note) notes.push(planned.grown.note);
  }
  const tableWrites = planPartitionTableWrites(table, metadata, target.sizeBytes);
  if (target.sizeBytes > d.source.sizeBytes) {
    const kept = grow ? `partitions keep their places, partition ${grow.partitionNumber} grows to the end` : 'partitions keep their places';
    notes.push(
      `The target is ${formatBytes(target.sizeBytes - d.source.sizeBytes)} larger than the source; ${kept}${table.scheme === 'gpt' ? ' and the backup GPT moves to the new end' : ''}.`,
    );
  }
  const region = { offsetBytes: 0, sizeBytes: target.sizeBytes - (target.sizeBytes % target.logicalSectorSize) };
  const extents = d.extents.map((extent) => ({ extent, targetStartBytes: extent.startBytes }));
  return {
    mode: 'disk',
    target,
    extents,
    region,
    clearWrites: staleClearWrites(target, snapshot, region, extents),
    tableWrites,
    table: table.scheme === 'none' ? null : table,
    grow,
    requiredBytes: required,
    usedBytes: d.extents.reduce((sum, e) => sum + e.usedBytes, 0),
    notes,
  };
}

/**
 * What decides where every chunk of a restore goes. A resume is allowed only when it matches the
 * journal's: the same snapshot, chunk size, target span and extent places. The partition table
 * is not part of it: the last step writes all of it again anyway.
 */
export function planDigest(snapshot: Snapshot, plan: RestorePlan): string {
  const shape = {
    snapshot: snapshot.id,
    chunkSizeBytes: snapshot.description.chunkSizeBytes,
    mode: plan.mode,
    region: plan.region,
    sectorBytes: plan.target.logicalSectorSize,
    extents: plan.extents.map(({ extent, targetStartBytes }) => [
      extent.chunkStart,
      extent.chunkCount,
      extent.rangeStart,
      extent.rangeCount,
      extent.sizeBytes,
      targetStartBytes,
    ]),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 32);
}
