import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { beforeEach, expect, it } from 'vitest';
import type { PartitionTable } from '../../../recovery/partitions/partition-table.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { openSource, sfdiskJson, sgdiskInfo } from './oracles.js';

const MiB = 1024 * 1024;

async function parse(path: string, sectorSize: number): Promise<PartitionTable> {
  const { source, close } = await openSource(path, sectorSize);
  try {
    return await readPartitionTable(source, sectorSize);
  } finally {
    await close();
  }
}

async function flipByte(file: string, offsetBytes: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offsetBytes);
    byte[0] = (byte[0] ?? 0) ^ 0x20;
    await handle.write(byte, 0, 1, offsetBytes);
  } finally {
    await handle.close();
  }
}

/** Every partition as sgdisk -i reports it, in our GptEntry shape. */
async function expectSameAsSgdisk(path: string, table: PartitionTable): Promise<void> {
  const entries = table.gpt?.entries ?? [];
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    const { index: _index, ...ours } = entry;
    expect(ours).toEqual(await sgdiskInfo(path, entry.index + 1));
  }
}

const SGDISK_LAYOUT = [
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

describeWith(['tool:sgdisk', 'tool:sfdisk'], 'a damaged primary GPT is read from the backup', () => {
  const scratch = useScratch();
  let file: string;
  let intact: PartitionTable;
  beforeEach(async () => {
    file = await scratch().sparseFile('disk.img', 64 * MiB);
    await execa('sgdisk', [...SGDISK_LAYOUT, file]);
    intact = await parse(file, 512);
  });

  it('a flipped byte in the primary header (LBA 1): source backup, same partitions as sgdisk still lists', async () => {
    await flipByte(file, 512 + 60);
    const table = await parse(file, 512);
    expect(table.gpt).toMatchObject({ source: 'backup', primaryProblem: expect.stringContaining('LBA 1 fails its CRC32 check'), backupProblem: null });
    expect(table.partitions).toEqual(intact.partitions);
    await expectSameAsSgdisk(file, table);
    const verify = await execa('sgdisk', ['-v', file], { reject: false });
    // sgdisk agrees about which copy is damaged.
    expect(`${verify.stdout}\n${verify.stderr}`).toMatch(/Main header: ERROR\s+Backup header: OK/);
  });

  it('a flipped byte in the primary entries array (LBA 2): source backup', async () => {
    await flipByte(file, 2 * 512 + 40);
    const table = await parse(file, 512);
    expect(table.gpt).toMatchObject({ source: 'backup', primaryProblem: expect.stringContaining('entries array of the GPT header at LBA 1 fails its CRC32') });
    expect(table.partitions).toEqual(intact.partitions);
  });

  it('both headers damaged: CORRUPT_PARTITION_TABLE saying what is wrong with each', async () => {
    await flipByte(file, 512 + 60);
    await flipByte(file, 64 * MiB - 512 + 60);
    await expect(parse(file, 512)).rejects.toMatchObject({
      code: 'CORRUPT_PARTITION_TABLE',
      message: expect.stringMatching(/Primary: The GPT header at LBA 1 fails its CRC32.*Backup: The GPT header at LBA 131071 fails its CRC32/),
    });
  });
});

describeWith(['root', 'loop-devices', 'tool:sgdisk', 'tool:sfdisk'], 'a GPT on a disk with 4096-byte logical sectors', () => {
  const scratch = useScratch();

  it('parses with LBAs in 4096-byte sectors, as sgdisk and sfdisk read the loop device', async () => {
    const device = await scratch().attach(await scratch().sparseFile('4k.img', 64 * MiB), { sectorSize: 4096 });
    await execa('sgdisk', [...SGDISK_LAYOUT, device]);
    const table = await parse(device, 4096);
    const sfdisk = await sfdiskJson(device);
    expect(sfdisk.sectorsize).toBe(4096);
    expect(table).toMatchObject({ scheme: 'gpt', sectorSizeBytes: 4096, diskSectors: 16384 });
    // The 16 KiB entries array is 4 sectors: primary at LBA 2–5, first usable 6; backup entries at LBA 16379–16382.
    expect(table.gpt).toMatchObject({ firstUsableLba: sfdisk.firstlba, lastUsableLba: sfdisk.lastlba, diskGuid: sfdisk.id.toLowerCase() });
    expect(table.gpt?.firstUsableLba).toBe(6);
    expect(table.metadataAreas.map((a) => [a.kind, a.offsetBytes / 4096, a.sizeBytes / 4096])).toEqual([
      ['mbr', 0, 1],
      ['gpt-primary-header', 1, 1],
      ['gpt-primary-entries', 2, 4],
      ['gpt-backup-entries', 16379, 4],
      ['gpt-backup-header', 16383, 1],
    ]);
    expect(table.partitions.map((p) => ({ number: p.number, start: p.startBytes / 4096, size: p.sizeBytes / 4096, uuid: p.uuid?.toUpperCase() }))).toEqual(
      sfdisk.partitions.map(({ number, start, size, uuid }) => ({ number, start, size, uuid })),
    );
    await expectSameAsSgdisk(device, table);
    expect(table.warnings).toEqual([]);
  });

  it('falls back to the backup on a 4096-byte-sector disk too', async () => {
    const file = await scratch().sparseFile('4k.img', 64 * MiB);
    const device = await scratch().attach(file, { sectorSize: 4096 });
    await execa('sgdisk', [...SGDISK_LAYOUT, device]);
    const intact = await parse(device, 4096);
    await scratch().detach(device);
    await flipByte(file, 4096 + 60);
    const damaged = await scratch().attach(file, { sectorSize: 4096 });
    const table = await parse(damaged, 4096);
    expect(table.gpt).toMatchObject({ source: 'backup', primaryProblem: expect.stringContaining('LBA 1 fails its CRC32') });
    expect(table.partitions).toEqual(intact.partitions);
  });
});
