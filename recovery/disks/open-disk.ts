import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { LifeboatError } from '../core/errors.js';
import type { HelperClient } from '../helper/helper-client.js';
import type { HelperDisk, HelperPartition } from '../helper/protocol.js';
import type { Disk, OpenDiskOptions } from './disk.js';
import { FdDisk, type FdDiskShape } from './fd-disk.js';
import { diskIoError } from './io-errors.js';

const DEFAULT_IMAGE_SECTOR_SIZE = 512;

/**
 * Opens a block device or a raw image file as a Disk. Block devices get their geometry from the
 * native helper (Node cannot ask the kernel) and, when writable, are opened with O_EXCL: on Linux
 * that fails with EBUSY while any partition is mounted, so we can never write under a live filesystem.
 */
export async function openDisk(path: string, helper: HelperClient, options: OpenDiskOptions = {}): Promise<Disk> {
  const writable = options.writable ?? false;
  // Windows: stat() of a disk device fails or calls it something else, so its name says what it is.
  if (process.platform === 'win32' && isWindowsDevicePath(path)) return openWindowsDevice(path, helper, options);
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    throw diskIoError(cause, path, 'open');
  }
  if (info.isFile()) return openImageFile(path, options);
  if (!info.isBlockDevice()) {
    throw new LifeboatError('NOT_BLOCK_DEVICE', `${path} is neither a disk nor an image file.`, { details: { device: path } });
  }
  const { disk, partition } = await helper.info(path);
  const flags = writable ? constants.O_RDWR | constants.O_EXCL : constants.O_RDONLY;
  let handle;
  try {
    handle = await open(path, flags);
  } catch (cause) {
    throw diskIoError(cause, path, writable ? 'open for writing' : 'open');
  }
  return deviceDisk(handle, path, helper, disk, partition, { writable });
}

/**
 * A Disk over an open disk or partition device: its size from the helper, and discards sent to the
 * whole disk (the kernel and Windows discard only there) with disk-relative offsets.
 */
function deviceDisk(
  handle: FileHandle,
  path: string,
  helper: Pick<HelperClient, 'discard'>,
  disk: HelperDisk,
  partition: HelperPartition | undefined,
  extra: Pick<FdDiskShape, 'writable' | 'alignedIo' | 'afterClose'>,
): Disk {
  return new FdDisk(handle, {
    path,
    kind: 'block-device',
    sizeBytes: (partition ?? disk).sizeBytes,
    logicalSectorSize: disk.logicalSectorSize,
    physicalSectorSize: disk.physicalSectorSize,
    ...extra,
    ...(disk.discardMaxBytes > 0
      ? {
          discardRange: (offsetBytes: number, lengthBytes: number) =>
            helper.discard(disk.path, (partition?.startBytes ?? 0) + offsetBytes, lengthBytes).then(() => undefined),
        }
      : {}),
  });
}

/** Opens a raw image file as a Disk of its current size. */
export async function openImageFile(path: string, options: OpenDiskOptions = {}): Promise<Disk> {
  const writable = options.writable ?? false;
  const sectorSize = options.logicalSectorSize ?? DEFAULT_IMAGE_SECTOR_SIZE;
  let handle;
  try {
    handle = await open(path, writable ? 'r+' : 'r');
  } catch (cause) {
    throw diskIoError(cause, path, writable ? 'open for writing' : 'open');
  }
  const { size } = await handle.stat();
  return new FdDisk(handle, {
    path,
    kind: 'image-file',
    sizeBytes: size - (size % sectorSize),
    logicalSectorSize: sectorSize,
    physicalSectorSize: sectorSize,
    writable,
  });
}

/** `\\.\PhysicalDriveN` (a disk) or `\\?\GLOBALROOT\Device\HarddiskN\PartitionM` (a partition), as the helper names them. */
export function isWindowsDevicePath(path: string): boolean {
  return /^\\\\\.\\PhysicalDrive\d+$/i.test(path) || /^\\\\\?\\GLOBALROOT\\Device\\Harddisk\d+\\Partition\d+$/i.test(path);
}

/** What opening a Windows device needs of the helper. */
export type WindowsDeviceHelper = Pick<HelperClient, 'info' | 'lockVolumes' | 'unlockVolumes' | 'discard'>;

/**
 * Opens a Windows disk or partition device. Geometry comes from the helper. For writing, every
 * volume on the disk is first locked and dismounted by the helper (Windows refuses writes under a
 * mounted volume, and a lock fails while a program has files open there, which is our "in use"),
 * and given back when the Disk closes. Raw devices are uncached, so all I/O goes through whole
 * sectors of aligned memory.
 */
export async function openWindowsDevice(path: string, helper: WindowsDeviceHelper, options: OpenDiskOptions = {}): Promise<Disk> {
  const writable = options.writable ?? false;
  const { disk, partition } = await helper.info(path);
  if (writable) await helper.lockVolumes(disk.path);
  const unlock = writable ? () => helper.unlockVolumes(disk.path).then(() => undefined) : undefined;
  let handle;
  try {
    handle = await open(path, writable ? 'r+' : 'r');
  } catch (cause) {
    await unlock?.();
    throw diskIoError(cause, path, writable ? 'open for writing' : 'open');
  }
  return deviceDisk(handle, path, helper, disk, partition, { writable, alignedIo: true, ...(unlock ? { afterClose: unlock } : {}) });
}
