/**
 * The target rules as they apply on Windows, where every volume has a drive letter (WinPE mounts
 * the internal disks too) and there are no device numbers: a mounted target is locked and
 * dismounted instead of refused, and the disk holding the repository is found by its drive letter.
 */
import { describe, expect, it } from 'vitest';
import { targetRefusal } from '../../../recovery/disks/open-for-pipeline.js';
import type { HelperDisk, HelperPartition } from '../../../recovery/helper/protocol.js';

function partition(number: number, mountpoints: string[]): HelperPartition {
  return {
    name: `Harddisk1Partition${number}`,
    path: `\\\\?\\GLOBALROOT\\Device\\Harddisk1\\Partition${number}`,
    major: 0,
    minor: 0,
    number,
    startBytes: number * 1048576,
    sizeBytes: 1048576,
    type: null,
    uuid: null,
    label: null,
    readOnly: false,
    mountpoints,
    holders: [],
  };
}

function disk(partitions: HelperPartition[], flags: Partial<HelperDisk> = {}): HelperDisk {
  return {
    name: 'PhysicalDrive1',
    path: '\\\\.\\PhysicalDrive1',
    major: 0,
    minor: 0,
    sizeBytes: 1 << 30,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
    model: 'Disk',
    vendor: null,
    serial: 'S1',
    wwn: null,
    transport: 'nvme',
    removable: false,
    rotational: false,
    readOnly: false,
    discardGranularityBytes: 0,
    discardMaxBytes: 0,
    loopBackingFile: null,
    partitionTableType: 'gpt',
    partitions,
    mountpoints: [],
    holders: [],
    isSystem: false,
    isBootMedium: false,
    ...flags,
  };
}

describe('target rules on Windows', () => {
  it('accepts a disk whose volumes have drive letters: they are locked and dismounted when it is opened', async () => {
    const helperDisk = disk([partition(1, ['C:\\']), partition(2, ['D:\\'])]);
    expect(await targetRefusal('\\\\.\\PhysicalDrive1', { helperDisk, partition: null }, { repoDir: 'E:\\images\\pc1' }, 'win32')).toBeNull();
  });

  it('refuses the same disk on Linux, where a mounted filesystem must be unmounted first', async () => {
    const helperDisk = disk([partition(1, ['/mnt/c'])]);
    expect(await targetRefusal('/dev/sdb', { helperDisk, partition: null }, {}, 'linux')).toMatch(/mounted filesystems/);
  });

  it('refuses the disk whose drive letter holds the repository, in any letter case', async () => {
    const helperDisk = disk([partition(1, ['C:\\']), partition(2, ['D:\\'])]);
    expect(await targetRefusal('\\\\.\\PhysicalDrive1', { helperDisk, partition: null }, { repoDir: 'd:\\images\\pc1' }, 'win32')).toMatch(
      /holds the repository/,
    );
  });

  it('refuses a partition holding the repository but accepts its sibling', async () => {
    const repoOn = partition(2, ['D:\\']);
    const other = partition(1, ['C:\\']);
    const helperDisk = disk([other, repoOn]);
    expect(await targetRefusal(repoOn.path, { helperDisk, partition: repoOn }, { repoDir: 'D:\\images' }, 'win32')).toMatch(/holds the repository/);
    expect(await targetRefusal(other.path, { helperDisk, partition: other }, { repoDir: 'D:\\images' }, 'win32')).toBeNull();
  });

  it('still refuses the system disk and the boot medium', async () => {
    expect(await targetRefusal('\\\\.\\PhysicalDrive1', { helperDisk: disk([], { isSystem: true }), partition: null }, {}, 'win32')).toMatch(/running system/);
    expect(await targetRefusal('\\\\.\\PhysicalDrive1', { helperDisk: disk([], { isBootMedium: true }), partition: null }, {}, 'win32')).toMatch(/booted from/);
  });
});
