import { sectorSource, sliceSource, type ByteSource } from '../core/byte-source.js';
import { isLifeboatError, type ErrorCode } from '../core/errors.js';
import { probeFilesystem } from '../filesystems/filesystem-registry.js';
import type { FilesystemInfo } from '../filesystems/filesystem-types.js';
import type { HelperClient } from '../helper/helper-client.js';
import type { HelperDisk, HelperPartition } from '../helper/protocol.js';
import { readPartitionTable } from '../partitions/read-partition-table.js';
import type { Partition, PartitionTable } from '../partitions/partition-table.js';
import { openDisk } from './open-disk.js';

/** What `lifeboat disks` says about a filesystem: the prober's answer plus free space. */
export type FilesystemSummary = FilesystemInfo & { freeBytes: number | null };

/** Why something could not be read, kept as data so one unreadable disk does not hide the others. */
export interface Problem {
  code: ErrorCode;
  message: string;
}

export interface InspectedPartition extends HelperPartition {
  /** Null when nothing Lifeboat knows was found, or the partition is an extended-partition container. */
  filesystem: FilesystemSummary | null;
  filesystemProblem: Problem | null;
}

export interface InspectedDisk extends Omit<HelperDisk, 'partitions'> {
  partitions: InspectedPartition[];
  /** A filesystem written straight onto the disk with no partition table (common on USB sticks). */
  filesystem: FilesystemSummary | null;
  /** Why the disk's own table or filesystems could not be read (no permission, damaged table...). */
  inspectProblem: Problem | null;
  /** Which GPT copy was used when the primary is damaged, and other things a technician should know. */
  partitionTableWarnings: string[];
}

function summarize(info: FilesystemInfo): FilesystemSummary {
  const freeBytes = info.sizeBytes !== null && info.usedBytes !== null ? Math.max(0, info.sizeBytes - info.usedBytes) : null;
  return { ...info, freeBytes };
}

function problemOf(error: unknown): Problem {
  if (!isLifeboatError(error)) throw error;
  return { code: error.code, message: error.message };
}

/** `source` is made inside the try: a partition the kernel places past the disk's end cannot even be sliced. */
async function probeSummary(source: () => ByteSource): Promise<{ filesystem: FilesystemSummary | null; problem: Problem | null }> {
  try {
    const info = await probeFilesystem(source());
    return { filesystem: info && summarize(info), problem: null };
  } catch (error) {
    return { filesystem: null, problem: problemOf(error) };
  }
}

/** Fills what the OS left out (no udev database on a live system) from the table Lifeboat read itself. */
function fromTable(part: HelperPartition, entry: Partition | undefined): HelperPartition {
  if (!entry) return part;
  return { ...part, type: part.type ?? entry.type, uuid: part.uuid ?? entry.uuid, label: part.label ?? entry.name };
}

async function inspectOne(disk: HelperDisk, helper: HelperClient): Promise<InspectedDisk> {
  const base: InspectedDisk = {
    ...disk,
    partitions: disk.partitions.map((p) => ({ ...p, filesystem: null, filesystemProblem: null })),
    filesystem: null,
    inspectProblem: null,
    partitionTableWarnings: [],
  };
  if (disk.sizeBytes === 0) return base;
  let opened;
  try {
    opened = await openDisk(disk.path, helper);
  } catch (error) {
    return { ...base, inspectProblem: problemOf(error) };
  }
  try {
    const source = sectorSource(opened);
    let table: PartitionTable | null = null;
    try {
      table = await readPartitionTable(source, disk.logicalSectorSize);
    } catch (error) {
      base.inspectProblem = problemOf(error);
    }
    base.partitionTableWarnings = table?.warnings ?? [];
    const partitions: InspectedPartition[] = [];
    for (const part of disk.partitions) {
      const entry = table?.partitions.find((p) => p.number === part.number);
      const filled = fromTable(part, entry);
      if (entry?.kind === 'extended') {
        partitions.push({ ...filled, filesystem: null, filesystemProblem: null });
        continue;
      }
      const { filesystem, problem } = await probeSummary(() => sliceSource(source, part.startBytes, part.sizeBytes));
      partitions.push({ ...filled, filesystem, filesystemProblem: problem });
    }
    base.partitions = partitions;
    if (disk.partitions.length === 0 && (table === null || table.scheme === 'none')) {
      const { filesystem, problem } = await probeSummary(() => source);
      base.filesystem = filesystem;
      base.inspectProblem ??= problem;
    }
    return base;
  } finally {
    await opened.close();
  }
}

/**
 * Adds each disk's filesystems (type, label, UUID, used and free space, dirty flag) to the helper's
 * list by reading partition tables and superblocks read-only. A disk that cannot be read keeps its
 * entry with `inspectProblem` saying why; the others are still inspected.
 */
export async function inspectDisks(disks: HelperDisk[], helper: HelperClient): Promise<InspectedDisk[]> {
  const inspected: InspectedDisk[] = [];
  for (const disk of disks) inspected.push(await inspectOne(disk, helper));
  return inspected;
}
