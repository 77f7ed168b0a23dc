import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { PartitionTable } from '../../../recovery/partitions/partition-table.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { openSource, partxPartitions, sfdiskJson, sgdiskInfo, type SfdiskTable } from './oracles.js';

const MiB = 1024 * 1024;
const S = 512;

async function parse(file: string): Promise<PartitionTable> {
  const { source, close } = await openSource(file, S);
  try {
    return await readPartitionTable(source, S);
  } finally {
    await close();
  }
}

/** Our partitions in sfdisk's terms: sectors, its type spelling, its bootable flag. */
function asSfdisk(table: PartitionTable, label: 'dos' | 'gpt'): SfdiskTable['partitions'] {
  return table.partitions.map((p) => ({
    number: p.number,
    start: p.startBytes / S,
    size: p.sizeBytes / S,
    type: label === 'dos' ? Number.parseInt(p.type, 16).toString(16) : p.type.toUpperCase(),
    ...(label === 'gpt' ? { uuid: p.uuid?.toUpperCase(), ...(p.name ? { name: p.name } : {}) } : {}),
    ...(label === 'dos' && p.bootable ? { bootable: true } : {}),
    ...(label === 'gpt' && sfdiskAttrs(table, p.number) ? { attrs: sfdiskAttrs(table, p.number) } : {}),
  }));
}

/** GPT attribute bits the way sfdisk --json spells them ("LegacyBIOSBootable GUID:60"). */
function sfdiskAttrs(table: PartitionTable, number: number): string {
  const bits = BigInt(table.gpt?.entries.find((e) => e.index + 1 === number)?.attributes ?? '0');
  const names: Record<number, string> = { 0: 'RequiredPartition', 1: 'NoBlockIOProtocol', 2: 'LegacyBIOSBootable' };
  const words: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((bits >> BigInt(bit)) & 1n) words.push(names[bit] ?? `GUID:${bit}`);
  }
  return words.join(' ');
}

async function expectSameAsPartx(file: string, table: PartitionTable): Promise<void> {
  const partx = await partxPartitions(file);
  expect(
    table.partitions.map((p) => ({
      NR: String(p.number),
      START: String(p.startBytes / S),
      SECTORS: String(p.sizeBytes / S),
      UUID: p.uuid ?? '',
      NAME: p.name ?? '',
    })),
  ).toEqual(partx.map(({ NR, START, SECTORS, UUID, NAME }) => ({ NR, START, SECTORS, UUID, NAME })));
}

describeWith(['tool:sfdisk', 'tool:sgdisk', 'tool:partx'], 'partition tables made by sfdisk and sgdisk read as those tools read them', () => {
  const scratch = useScratch();

  it('an MBR with three primaries and an extended partition holding three logicals (sfdisk)', async () => {
    const file = await scratch().sparseFile('mbr.img', 64 * MiB);
    await execa('sfdisk', ['-q', file], { input: 'label: dos\nlabel-id: 0x5eed1234\n,8M,83,*\n,8M,7\n,8M,b\n,,5\n,8M,83\n,8M,82\n,,8e\n' });
    const table = await parse(file);
    const sfdisk = await sfdiskJson(file);
    expect(table.scheme).toBe('mbr');
    expect(`0x${table.mbr?.diskSignature}`).toBe(sfdisk.id);
    expect(asSfdisk(table, 'dos')).toEqual(sfdisk.partitions);
    expect(table.partitions.map((p) => p.kind)).toEqual(['primary', 'primary', 'primary', 'extended', 'logical', 'logical', 'logical']);
    await expectSameAsPartx(file, table);
    expect(table.mbr?.ebrLbas).toHaveLength(3);
    expect(table.warnings).toEqual([]);
  });

  it('PARTUUIDs of partitions 10 and up use hex numbers, as blkid prints them (partx)', async () => {
    const file = await scratch().sparseFile('many.img', 64 * MiB);
    await execa('sfdisk', ['-q', file], { input: `label: dos\nlabel-id: 0x00c0ffee\n,4M,83\n,,5\n${',4M,83\n'.repeat(8)}` });
    const table = await parse(file);
    expect(table.partitions.map((p) => p.uuid).slice(-3)).toEqual(['00c0ffee-0a', '00c0ffee-0b', '00c0ffee-0c']);
    await expectSameAsPartx(file, table);
  });

  it('a GPT with four named partitions (sfdisk)', async () => {
    const file = await scratch().sparseFile('gpt.img', 64 * MiB);
    const script = [
      'label: gpt',
      'label-id: 6A2B1C3D-0000-4000-8000-00000000ABCD',
      'size=8M, type=U, name="EFI system partition"',
      'size=16M, type=L, name="root"',
      'size=8M, type=S, name=swap',
      'type=H, name="home ü"',
    ].join('\n');
    await execa('sfdisk', ['-q', file], { input: script });
    const table = await parse(file);
    const sfdisk = await sfdiskJson(file);
    expect(table.gpt).toMatchObject({ source: 'primary', diskGuid: sfdisk.id.toLowerCase(), firstUsableLba: sfdisk.firstlba, lastUsableLba: sfdisk.lastlba });
    expect(asSfdisk(table, 'gpt')).toEqual(sfdisk.partitions);
    for (const p of table.partitions) {
      const sgdisk = await sgdiskInfo(file, p.number);
      expect({ typeGuid: p.type, uniqueGuid: p.uuid, firstLba: p.startBytes / S, lastLba: (p.startBytes + p.sizeBytes) / S - 1, name: p.name }).toEqual({
        typeGuid: sgdisk.typeGuid,
        uniqueGuid: sgdisk.uniqueGuid,
        firstLba: sgdisk.firstLba,
        lastLba: sgdisk.lastLba,
        name: sgdisk.name,
      });
    }
    expect(table.partitions.map((p) => p.typeName)).toEqual(['EFI system', 'Linux filesystem', 'Linux swap', 'Linux /home']);
    await expectSameAsPartx(file, table);
    expect(table.warnings).toEqual([]);
  });

  it('a GPT with gaps in the slot numbers and attribute bits (sgdisk)', async () => {
    const file = await scratch().sparseFile('sgdisk.img', 64 * MiB);
    await execa('sgdisk', [
      '-n',
      '1:2048:+4M',
      '-t',
      '1:ef02',
      '-c',
      '1:BIOS boot',
      '-A',
      '1:set:2',
      '-n',
      '3:0:+20M',
      '-t',
      '3:0700',
      '-c',
      '3:Données',
      '-A',
      '3:set:60',
      '-n',
      '7:0:0',
      '-t',
      '7:8300',
      file,
    ]);
    const table = await parse(file);
    expect(table.partitions.map((p) => p.number)).toEqual([1, 3, 7]);
    for (const entry of table.gpt?.entries ?? []) {
      const sgdisk = await sgdiskInfo(file, entry.index + 1);
      expect({
        typeGuid: entry.typeGuid,
        uniqueGuid: entry.uniqueGuid,
        firstLba: entry.firstLba,
        lastLba: entry.lastLba,
        attributes: entry.attributes,
        name: entry.name,
      }).toEqual(sgdisk);
    }
    expect(table.partitions.map((p) => p.bootable)).toEqual([true, false, false]);
    expect(asSfdisk(table, 'gpt')).toEqual((await sfdiskJson(file)).partitions);
    await expectSameAsPartx(file, table);
    // The BIOS boot partition starts at LBA 2048: LBA 34–2047 is the gap where boot loaders hide.
    expect(table.gaps[0]).toEqual({ offsetBytes: 34 * S, sizeBytes: (2048 - 34) * S, position: 'leading' });
  });

  it("a hybrid MBR (sgdisk -h) is recognised, its entries match sfdisk's nested dos view, partitions come from the GPT", async () => {
    const file = await scratch().sparseFile('hybrid.img', 64 * MiB);
    await execa('sgdisk', ['-n', '1:2048:+8M', '-t', '1:0700', '-n', '2:0:+8M', '-t', '2:8300', '-n', '3:0:+8M', '-h', '1:2', file]);
    const table = await parse(file);
    expect(table.scheme).toBe('gpt');
    expect(table.mbr).toMatchObject({ hybrid: true, protective: false });
    const nested = await sfdiskJson(file, 'dos');
    const used = table.mbr?.entries.filter((e) => e.sectors > 0) ?? [];
    expect(used.map((e) => ({ number: e.number, start: e.startLba, size: e.sectors, type: e.typeByte.toString(16) }))).toEqual(
      nested.partitions.map(({ number, start, size, type }) => ({ number, start, size, type })),
    );
    expect(asSfdisk(table, 'gpt')).toEqual((await sfdiskJson(file)).partitions);
    expect(table.warnings).toEqual([]);
  });
});
