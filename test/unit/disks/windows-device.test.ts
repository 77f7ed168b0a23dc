/**
 * How a Windows disk device is opened, run on a plain file standing in for the device (Node opens
 * both the same way) with a helper that records what it is asked: geometry from `info`, volumes
 * locked before the device is opened for writing and given back after it closes, never locked for
 * reading, and all I/O in whole sectors of the size the helper reported.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../recovery/core/errors.js';
import { isWindowsDevicePath, openWindowsDevice, type WindowsDeviceHelper } from '../../../recovery/disks/open-disk.js';
import type { HelperDisk, HelperPartition } from '../../../recovery/helper/protocol.js';

const SECTOR = 4096;
const DISK_PATH = '\\\\.\\PhysicalDrive3';

function fakeHelper(device: string, sizeBytes: number, partition?: HelperPartition): { helper: WindowsDeviceHelper; log: string[] } {
  const log: string[] = [];
  const disk = { name: 'PhysicalDrive3', path: DISK_PATH, sizeBytes, logicalSectorSize: SECTOR, physicalSectorSize: SECTOR, discardMaxBytes: 0 } as HelperDisk;
  const helper: WindowsDeviceHelper = {
    info: (asked) => {
      log.push(`info ${asked === device ? 'device' : asked}`);
      return Promise.resolve(partition ? { disk, partition } : { disk });
    },
    lockVolumes: (asked) => {
      log.push(`lock ${asked}`);
      return Promise.resolve(['\\\\?\\Volume{1}\\']);
    },
    unlockVolumes: (asked) => {
      log.push(`unlock ${asked}`);
      return Promise.resolve(['\\\\?\\Volume{1}\\']);
    },
    discard: () => Promise.reject(new Error('not expected')),
  };
  return { helper, log };
}

describe('opening a Windows disk device', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-windev-'));
    file = path.join(dir, 'device');
    await writeFile(file, Buffer.alloc(64 * SECTOR, 0x11));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('knows the device names the helper uses, and nothing else', () => {
    expect(isWindowsDevicePath('\\\\.\\PhysicalDrive0')).toBe(true);
    expect(isWindowsDevicePath('\\\\.\\physicaldrive12')).toBe(true);
    expect(isWindowsDevicePath('\\\\?\\GLOBALROOT\\Device\\Harddisk1\\Partition2')).toBe(true);
    expect(isWindowsDevicePath('C:\\images\\disk.img')).toBe(false);
    expect(isWindowsDevicePath('\\\\.\\C:')).toBe(false);
    expect(isWindowsDevicePath('Z:\\tmp\\PhysicalDrive0')).toBe(false);
  });

  it('for writing: locks the volumes first, writes whole sectors where asked, unlocks after closing', async () => {
    const { helper, log } = fakeHelper(file, 64 * SECTOR);
    const disk = await openWindowsDevice(file, helper, { writable: true });
    expect(log).toEqual(['info device', `lock ${DISK_PATH}`]);
    expect([disk.kind, disk.sizeBytes, disk.logicalSectorSize, disk.writable]).toEqual(['block-device', 64 * SECTOR, SECTOR, true]);
    await disk.writeAt(5 * SECTOR, Buffer.alloc(3 * SECTOR, 0x77));
    expect((await disk.readAt(4 * SECTOR, 5 * SECTOR)).toString('hex')).toBe(
      Buffer.concat([Buffer.alloc(SECTOR, 0x11), Buffer.alloc(3 * SECTOR, 0x77), Buffer.alloc(SECTOR, 0x11)]).toString('hex'),
    );
    // Requests that are not whole sectors of the reported size are a bug upstream, refused as ever.
    await expect(disk.writeAt(512, Buffer.alloc(512))).rejects.toMatchObject({ code: 'UNALIGNED_IO' });
    await disk.close();
    expect(log).toEqual(['info device', `lock ${DISK_PATH}`, `unlock ${DISK_PATH}`]);
    const expected = Buffer.alloc(64 * SECTOR, 0x11);
    expected.fill(0x77, 5 * SECTOR, 8 * SECTOR);
    expect((await readFile(file)).equals(expected)).toBe(true);
  });

  it('for reading: no lock, and the size of the partition, not of its disk', async () => {
    const partition = { number: 2, path: file, startBytes: 8 * SECTOR, sizeBytes: 32 * SECTOR } as HelperPartition;
    const { helper, log } = fakeHelper(file, 1024 * SECTOR, partition);
    const disk = await openWindowsDevice(file, helper);
    expect([disk.sizeBytes, disk.writable]).toEqual([32 * SECTOR, false]);
    expect((await disk.readAt(0, SECTOR)).every((byte) => byte === 0x11)).toBe(true);
    await disk.close();
    expect(log).toEqual(['info device']);
  });

  it('gives the volumes back when the device cannot be opened', async () => {
    const missing = path.join(dir, 'gone');
    const { helper, log } = fakeHelper(missing, 64 * SECTOR);
    const error = await openWindowsDevice(missing, helper, { writable: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifeboatError);
    expect((error as LifeboatError).code).toBe('DEVICE_NOT_FOUND');
    expect(log).toEqual(['info device', `lock ${DISK_PATH}`, `unlock ${DISK_PATH}`]);
  });
});
