import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { PlannedWrite } from '../../../recovery/partitions/partition-table.js';
import { readMetadataAreas } from '../../../recovery/partitions/read-metadata-areas.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { planPartitionTableWrites } from '../../../recovery/partitions/write-partition-table.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { openSource, sfdiskJson, sgdiskVerify, type SfdiskTable } from './oracles.js';

const MiB = 1024 * 1024;

/** Reads the table and its metadata bytes from `path`, then plans the writes for a target of `targetBytes`. */
async function planFrom(path: string, sectorSize: number, targetBytes: number): Promise<PlannedWrite[]> {
  const { source, close } = await openSource(path, sectorSize);
  try {
    const table = await readPartitionTable(source, sectorSize);
    return planPartitionTableWrites(table, await readMetadataAreas(source, table), targetBytes);
  } finally {
    await close();
  }
}

async function applyTo(file: string, writes: PlannedWrite[]): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    for (const write of writes) await handle.write(write.bytes, 0, write.bytes.length, write.offsetBytes);
  } finally {
    await handle.close();
  }
}

/** sfdisk's view minus what must differ between two disks: the device name and, for GPT, the last usable LBA. */
function comparable(table: SfdiskTable): Omit<SfdiskTable, 'lastlba'> & { device?: unknown } {
  const { lastlba: _lastlba, ...rest } = table;
  return { ...rest, device: undefined };
}

const GPT_LAYOUT = [
  '-n',
  '1:0:+8M',
  '-t',
  '1:ef00',
  '-c',
  '1:ESP',
  '-n',
  '2:0:+16M',
  '-t',
  '2:0700',
  '-c',
  '2:Windows',
  '-n',
  '3:0:+8M',
  '-t',
  '3:8200',
  '-n',
  '4:0:0',
  '-c',
  '4:data',
];

describeWith(['tool:sgdisk', 'tool:sfdisk'], 'restoring a partition table onto another disk', () => {
  const scratch = useScratch();

  it('a GPT from a 64 MiB disk onto a fresh 128 MiB disk: sgdisk -v finds no problem, sfdisk sees the same partitions', async () => {
    const source = await scratch().sparseFile('source.img', 64 * MiB);
    await execa('sgdisk', [...GPT_LAYOUT, source]);
    const target = await scratch().sparseFile('target.img', 128 * MiB);
    await applyTo(target, await planFrom(source, 512, 128 * MiB));
    const verify = await sgdiskVerify(target);
    expect(verify.report).toContain('No problems found');
    expect(verify.ok, verify.report).toBe(true);
    const before = await sfdiskJson(source);
    const after = await sfdiskJson(target);
    expect(comparable(after)).toEqual(comparable(before));
    // 262144 sectors - 1 backup header - 32 entry sectors - 1 = last usable 262110.
    expect(after.lastlba).toBe(128 * 2048 - 34);
  });

  it('an MBR with logical partitions onto a bigger disk: sfdisk sees the same table', async () => {
    const source = await scratch().sparseFile('source.img', 64 * MiB);
    await execa('sfdisk', ['-q', source], { input: 'label: dos\nlabel-id: 0x0badcafe\n,8M,83,*\n,8M,7\n,8M,b\n,,5\n,8M,83\n,8M,82\n,,8e\n' });
    const target = await scratch().sparseFile('target.img', 128 * MiB);
    await applyTo(target, await planFrom(source, 512, 128 * MiB));
    expect(comparable(await sfdiskJson(target))).toEqual(comparable(await sfdiskJson(source)));
  });

  it('refuses a target that cannot hold the last partition, saying by how many bytes', async () => {
    const source = await scratch().sparseFile('source.img', 64 * MiB);
    await execa('sgdisk', [...GPT_LAYOUT, source]);
    // Partition 4 ends at the last usable LBA 131038; the target needs 131072 sectors again.
    await expect(planFrom(source, 512, 48 * MiB)).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
      message: expect.stringContaining(`is ${16 * MiB} bytes too small`),
    });
  });
});

describeWith(['root', 'loop-devices', 'tool:sgdisk', 'tool:sfdisk'], 'restoring a GPT onto a disk with 4096-byte sectors', () => {
  const scratch = useScratch();

  it('from a 64 MiB to a 128 MiB 4Kn loop device: sgdisk -v finds no problem, sfdisk sees the same partitions', async () => {
    const sourceDevice = await scratch().attach(await scratch().sparseFile('source.img', 64 * MiB), { sectorSize: 4096 });
    await execa('sgdisk', [...GPT_LAYOUT, sourceDevice]);
    const targetFile = await scratch().sparseFile('target.img', 128 * MiB);
    await applyTo(targetFile, await planFrom(sourceDevice, 4096, 128 * MiB));
    const targetDevice = await scratch().attach(targetFile, { sectorSize: 4096 });
    const verify = await sgdiskVerify(targetDevice);
    expect(verify.report).toContain('No problems found');
    expect(verify.ok, verify.report).toBe(true);
    const after = await sfdiskJson(targetDevice);
    expect(comparable(after)).toEqual(comparable(await sfdiskJson(sourceDevice)));
    // 32768 sectors - 1 backup header - 4 entry sectors - 1 = last usable 32762.
    expect(after.lastlba).toBe(32768 - 6);
  });
});
