/**
 * Disks and partitions as list lines for the choosing screens, in fixed columns that fit 80
 * characters: device, size, what it is, and the flags a person must see before choosing.
 */
import { formatBytes } from '../core/format-bytes.js';
import { diskFlags } from '../disks/disk-flags.js';
import type { ListedDisk } from '../disks/disk-table.js';
import type { FilesystemSummary } from '../disks/inspect-disks.js';
import type { HelperDisk, HelperPartition } from '../helper/protocol.js';
import { partitionTypeName } from '../partitions/partition-types.js';

export type ListedPartition = HelperPartition & { filesystem?: FilesystemSummary | null };

const FLAG_WORDS: Record<ReturnType<typeof diskFlags>[number], string> = {
  system: 'system',
  'boot-medium': 'boot medium',
  mounted: 'mounted',
  'in-use': 'in use',
  removable: 'removable',
  'read-only': 'read-only',
};

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}~` : text.padEnd(width);
}

export function diskModel(disk: ListedDisk): string {
  if (disk.transport === 'loop' && disk.loopBackingFile) return disk.loopBackingFile;
  return [disk.vendor, disk.model].filter(Boolean).join(' ') || '(no model)';
}

export function diskFlagWords(disk: ListedDisk): string {
  return diskFlags(disk as HelperDisk)
    .map((flag) => FLAG_WORDS[flag])
    .join(', ');
}

export function filesystemWord(fs: FilesystemSummary | null | undefined): string {
  if (!fs) return '';
  return fs.type === 'vfat' && fs.version ? fs.version : fs.type;
}

/** "/dev/sdb     14.3 GiB   usb     SanDisk Cruzer Blade      boot medium, removable" */
export function diskLine(disk: ListedDisk): string {
  const flags = diskFlagWords(disk);
  // 34 columns for device, size and bus; the model gives way to the flags, which matter more.
  const modelWidth = flags ? Math.max(12, 43 - flags.length) : 44;
  return `${cut(disk.path, 14)} ${cut(formatBytes(disk.sizeBytes), 10)} ${cut(disk.transport, 7)} ${cut(diskModel(disk), modelWidth)}${flags ? ` ${flags}` : ''}`.trimEnd();
}

/** "  sdb1       14.3 GiB   FAT32   "LIFEBOAT"  2.1 GiB free  /run/live/medium" */
export function partitionLine(part: ListedPartition): string {
  const fs = part.filesystem;
  const label = fs?.label || part.label;
  const what = [filesystemWord(fs) || partitionTypeName(part.type), label ? `"${label}"` : ''].filter(Boolean).join(' ');
  const state = [fs?.freeBytes != null ? `${formatBytes(fs.freeBytes)} free` : '', ...part.mountpoints].filter(Boolean).join('  ');
  return `  ${cut(part.name, 12)} ${cut(formatBytes(part.sizeBytes), 10)} ${cut(what, 26)} ${state}`.trimEnd();
}

/** Every disk, each followed by its partitions. */
export function disksAndPartitions(disks: readonly ListedDisk[]): Array<{ disk: ListedDisk; partition: ListedPartition | null }> {
  return disks.flatMap((disk) => [{ disk, partition: null }, ...disk.partitions.map((partition: ListedPartition) => ({ disk, partition }))]);
}

/** Why a disk or partition cannot be read at all (as a capture or clone source), or null. */
export function sourceProblem(disk: ListedDisk, partition: ListedPartition | null): string | null {
  if (disk.sizeBytes === 0) return `${disk.path} has no medium (an empty card reader or drive).`;
  if (partition && partitionTypeName(partition.type).includes('xtended'))
    return `${partition.path} is an extended partition: it only holds the logical partitions listed after it.`;
  if ('inspectProblem' in disk && disk.inspectProblem?.code === 'PERMISSION_DENIED') return disk.inspectProblem.message;
  return null;
}
