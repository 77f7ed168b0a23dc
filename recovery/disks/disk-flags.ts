import type { HelperDisk } from '../helper/protocol.js';

export type DiskFlag = 'system' | 'boot-medium' | 'mounted' | 'in-use' | 'removable' | 'read-only';

/** True when the disk itself or any of its partitions is mounted or active swap. */
export function isMounted(disk: HelperDisk): boolean {
  return disk.mountpoints.length > 0 || disk.partitions.some((p) => p.mountpoints.length > 0);
}

/** True when a device mapper or RAID device is built on the disk or one of its partitions. */
export function isHeld(disk: HelperDisk): boolean {
  return disk.holders.length > 0 || disk.partitions.some((p) => p.holders.length > 0);
}

/** The marks a person needs before choosing a disk, in the order they matter. */
export function diskFlags(disk: HelperDisk): DiskFlag[] {
  const flags: DiskFlag[] = [];
  if (disk.isSystem) flags.push('system');
  if (disk.isBootMedium) flags.push('boot-medium');
  if (isMounted(disk)) flags.push('mounted');
  if (isHeld(disk)) flags.push('in-use');
  if (disk.removable) flags.push('removable');
  if (disk.readOnly) flags.push('read-only');
  return flags;
}
