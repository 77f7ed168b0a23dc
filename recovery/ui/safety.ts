/**
 * The UI's part of the safety rules (the rest is targetRefusal in disks/open-for-pipeline.ts,
 * shared with the CLI): which disk holds a directory, found through mount points. That also works
 * for FUSE mounts (ntfs-3g, exfat-fuse), whose files report an anonymous device number that the
 * device-number rule cannot match to a partition.
 */
import path from 'node:path';
import type { ListedDisk } from '../disks/disk-table.js';

function within(dir: string, mountpoint: string): boolean {
  const relative = path.relative(mountpoint, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The disk (and partition, if any) whose mounted filesystem holds `dir`: the longest mount point wins. */
export function diskHoldingPath(disks: readonly ListedDisk[], dir: string): { disk: ListedDisk; partitionPath: string | null } | null {
  const resolved = path.resolve(dir);
  let best: { disk: ListedDisk; partitionPath: string | null; length: number } | null = null;
  for (const disk of disks) {
    const places: Array<[string | null, string[]]> = [[null, disk.mountpoints], ...disk.partitions.map((p): [string, string[]] => [p.path, p.mountpoints])];
    for (const [partitionPath, mountpoints] of places) {
      for (const mountpoint of mountpoints) {
        if (!mountpoint.startsWith('/') || !within(resolved, mountpoint)) continue;
        if (!best || mountpoint.length > best.length) best = { disk, partitionPath, length: mountpoint.length };
      }
    }
  }
  return best && { disk: best.disk, partitionPath: best.partitionPath };
}

/** Rules about the device itself that no write can get past: no medium, write-protected. */
export function deviceRefusal(disk: ListedDisk, partition: { path: string; readOnly: boolean } | null): string | null {
  if (disk.sizeBytes === 0) return `${disk.path} has no medium (an empty card reader or drive).`;
  if (disk.readOnly || partition?.readOnly) return `${partition?.path ?? disk.path} is read-only (a write-protect switch, or a read-only device).`;
  return null;
}
