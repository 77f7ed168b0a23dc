import { readFile, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDisk, openImageFile } from '../../../recovery/disks/open-disk.js';
import { HelperClient } from '../../../recovery/helper/helper-client.js';
import { sfdiskPartitions, useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';

const MiB = 1024 * 1024;

function pattern(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + seed) & 0xff;
  return data;
}

describe('an image file is a Disk', () => {
  const scratch = useScratch();

  it('reads back what it wrote, at any sector, and the file holds the same bytes', async () => {
    const file = await scratch().sparseFile('disk.img', 4 * MiB);
    const disk = await openImageFile(file, { writable: true });
    try {
      expect(disk.sizeBytes).toBe(4 * MiB);
      await disk.writeAt(3 * 512, pattern(8192, 7));
      await disk.flush();
      expect(await disk.readAt(3 * 512, 8192)).toEqual(pattern(8192, 7));
    } finally {
      await disk.close();
    }
    expect((await readFile(file)).subarray(1536, 1536 + 8192)).toEqual(pattern(8192, 7));
  });

  it('refuses unaligned, out-of-range and read-only I/O with our error codes', async () => {
    const disk = await openImageFile(await scratch().sparseFile('disk.img', MiB));
    try {
      await expect(disk.readAt(100, 512)).rejects.toMatchObject({ code: 'UNALIGNED_IO' });
      await expect(disk.readAt(0, 100)).rejects.toMatchObject({ code: 'UNALIGNED_IO' });
      await expect(disk.readAt(MiB - 512, 1024)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
      await expect(disk.writeAt(0, Buffer.alloc(512))).rejects.toMatchObject({ code: 'READ_ONLY' });
      await expect(disk.discard(0, 512)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    } finally {
      await disk.close();
    }
    await expect(disk.readAt(0, 512)).rejects.toMatchObject({ code: 'DISK_CLOSED' });
  });

  it('a missing file is DEVICE_NOT_FOUND, naming the path', async () => {
    await expect(openImageFile(`${scratch().dir}/nope.img`)).rejects.toMatchObject({
      code: 'DEVICE_NOT_FOUND',
      message: expect.stringContaining('nope.img'),
    });
  });
});

describeWith(['root', 'loop-devices', 'tool:sfdisk', 'tool:blockdev', 'tool:mkfs.ext4'], 'a block device is a Disk', () => {
  const scratch = useScratch();
  let helper: HelperClient;
  beforeEach(() => {
    helper = new HelperClient();
  });
  afterEach(async () => helper.close());

  it('takes size and sector sizes from the helper, agreeing with blockdev', async () => {
    const device = await scratch().attach(await scratch().sparseFile('4k.img', 8 * MiB), { sectorSize: 4096 });
    const disk = await openDisk(device, helper);
    try {
      const size = Number((await execa('blockdev', ['--getsize64', device])).stdout);
      const sector = Number((await execa('blockdev', ['--getss', device])).stdout);
      expect(disk.kind).toBe('block-device');
      expect(disk.sizeBytes).toBe(size);
      expect(disk.logicalSectorSize).toBe(sector);
      expect(disk.logicalSectorSize).toBe(4096);
      await expect(disk.readAt(512, 512)).rejects.toMatchObject({ code: 'UNALIGNED_IO' });
    } finally {
      await disk.close();
    }
  });

  it('writes reach the backing file, and a discarded range reads as zeros and frees space', async () => {
    const file = await scratch().sparseFile('rw.img', 8 * MiB);
    const device = await scratch().attach(file);
    const disk = await openDisk(device, helper, { writable: true });
    try {
      expect(disk.canDiscard).toBe(true);
      await disk.writeAt(MiB, pattern(4 * MiB, 3));
      await disk.flush();
      const allocatedBefore = (await stat(file)).blocks;
      await disk.discard(2 * MiB, 2 * MiB);
      expect(await disk.readAt(2 * MiB, 2 * MiB)).toEqual(Buffer.alloc(2 * MiB));
      expect(await disk.readAt(MiB, MiB)).toEqual(pattern(4 * MiB, 3).subarray(0, MiB));
      expect((await stat(file)).blocks).toBeLessThan(allocatedBefore);
    } finally {
      await disk.close();
    }
  });

  it('cannot be opened for writing while a partition is mounted, or while another writer holds it', async () => {
    const device = await scratch().attach(await scratch().sparseFile('busy.img', 32 * MiB));
    await execa('sfdisk', ['--quiet', device], { input: 'label: gpt\n,,L\n' });
    await helper.rereadPartitions(device, await sfdiskPartitions(device));
    await execa('mkfs.ext4', ['-q', `${device}p1`]);
    await scratch().mount(`${device}p1`, 'mnt');
    await expect(openDisk(device, helper, { writable: true })).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    const reader = await openDisk(device, helper);
    await reader.close();

    const other = await scratch().attach(await scratch().sparseFile('held.img', 8 * MiB));
    const first = await openDisk(other, helper, { writable: true });
    try {
      await expect(openDisk(other, helper, { writable: true })).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    } finally {
      await first.close();
    }
  });

  it('a partition opens as a Disk of its own size', async () => {
    const device = await scratch().attach(await scratch().sparseFile('parts.img', 32 * MiB));
    await execa('sfdisk', ['--quiet', device], { input: 'label: dos\n,8MiB,83\n,,83\n' });
    await helper.rereadPartitions(device, await sfdiskPartitions(device));
    const part = await openDisk(`${device}p2`, helper);
    try {
      expect(part.sizeBytes).toBe(Number((await execa('blockdev', ['--getsize64', `${device}p2`])).stdout));
    } finally {
      await part.close();
    }
  });
});
