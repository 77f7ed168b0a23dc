import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { MAX_EBRS } from '../../../recovery/partitions/ebr-chain.js';
import type { PartitionTable } from '../../../recovery/partitions/partition-table.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { countingSource } from '../../helpers/fuzz.js';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile/partitions');

async function parse(name: string): Promise<PartitionTable> {
  return readPartitionTable(bufferSource(new Uint8Array(await readFile(path.join(folder, name)))), 512);
}

const numbers = (table: PartitionTable): number[] => table.partitions.map((p) => p.number);
const GPT_NUMBERS = [1, 2, 3];

/** What each fixture must do; every .img in the folder needs an entry here. */
const expectations: Record<string, (name: string) => Promise<void>> = {
  'real-mbr-ebr.img': async (name) => {
    const table = await parse(name);
    expect(numbers(table)).toEqual([1, 2, 5, 6, 7]);
    expect(table.mbr?.ebrLbas).toEqual([20, 39, 59]);
    expect(table.warnings).toEqual([]);
  },
  'real-gpt.img': async (name) => {
    const table = await parse(name);
    expect(numbers(table)).toEqual(GPT_NUMBERS);
    expect(table.warnings).toEqual([]);
  },
  'ebr-cycle.img': async (name) => {
    const table = await parse(name);
    expect(numbers(table)).toEqual([1, 2, 5, 6, 7]);
    expect(table.warnings).toEqual([expect.stringContaining('loops back to the EBR at LBA 20')]);
  },
  'ebr-link-outside.img': async (name) => {
    const table = await parse(name);
    expect(numbers(table)).toEqual([1, 2, 5, 6]);
    expect(table.warnings).toEqual([expect.stringMatching(/LBA 220, outside extended partition 2 \(LBA 20–119\)/)]);
  },
  'gpt-entry-count-huge.img': async (name) => {
    await expect(parse(name)).rejects.toMatchObject({
      code: 'CORRUPT_PARTITION_TABLE',
      message: expect.stringMatching(/Primary: .*LBA 1 gives 4294967295 entries.*Backup: .*LBA 127 gives 4294967295 entries/),
    });
  },
  'gpt-entry-size-zero.img': async (name) => {
    await expect(parse(name)).rejects.toMatchObject({
      code: 'CORRUPT_PARTITION_TABLE',
      message: expect.stringMatching(/Primary: .*entry size of 0 bytes.*Backup: .*entry size of 0 bytes/),
    });
  },
  'gpt-entry-size-odd.img': async (name) => {
    const table = await parse(name);
    expect(table.gpt).toMatchObject({ source: 'backup', primaryProblem: expect.stringContaining('entry size of 200 bytes'), backupProblem: null });
    expect(numbers(table)).toEqual(GPT_NUMBERS);
  },
  'gpt-header-size-huge.img': async (name) => {
    const table = await parse(name);
    expect(table.gpt).toMatchObject({ source: 'backup', primaryProblem: expect.stringContaining('size of 2147483647 bytes') });
    expect(numbers(table)).toEqual(GPT_NUMBERS);
  },
  'gpt-entries-past-end.img': async (name) => {
    const table = await parse(name);
    expect(table.gpt).toMatchObject({ source: 'backup', primaryProblem: expect.stringContaining('(LBA 1000, 32 sectors) lies past the end') });
    expect(numbers(table)).toEqual(GPT_NUMBERS);
  },
  'gpt-both-crc-bad.img': async (name) => {
    await expect(parse(name)).rejects.toMatchObject({
      code: 'CORRUPT_PARTITION_TABLE',
      message: expect.stringMatching(/Primary: The GPT header at LBA 1 fails its CRC32.*Backup: The GPT header at LBA 127 fails its CRC32/),
    });
  },
  'gpt-overlap.img': async (name) => {
    const table = await parse(name);
    expect(table.partitions[1]).toMatchObject({ number: 2, startBytes: 40 * 512 });
    expect(table.warnings).toEqual([expect.stringContaining('Partitions 1 and 2 overlap')]);
  },
  'gpt-partition-past-end.img': async (name) => {
    const table = await parse(name);
    expect(table.partitions[2]).toMatchObject({ number: 3, startBytes: 80 * 512, sizeBytes: 421 * 512 });
    expect(table.warnings).toEqual([
      expect.stringContaining('GPT partition 3 (LBA 80–500) lies outside the usable range (LBA 34–94)'),
      expect.stringContaining(`Partition 3 ends ${(501 - 128) * 512} bytes past the end of the disk`),
    ]);
  },
  'mbr-ee-nonsense.img': async (name) => {
    const table = await parse(name);
    expect(table.scheme).toBe('gpt');
    expect(numbers(table)).toEqual(GPT_NUMBERS);
    expect(table.warnings).toEqual([expect.stringContaining('protective MBR entry (LBA 4294967295–8589934589) should start at LBA 1')]);
  },
  'mbr-ee-without-gpt.img': async (name) => {
    await expect(parse(name)).rejects.toMatchObject({
      code: 'CORRUPT_PARTITION_TABLE',
      message: expect.stringMatching(/marks this disk as GPT.*no GPT header at LBA 1 .*no GPT header at LBA 127 /),
    });
  },
  'gpt-truncated.img': async (name) => {
    const table = await parse(name);
    expect(table).toMatchObject({ scheme: 'gpt', diskSectors: 80 });
    expect(table.gpt).toMatchObject({
      source: 'primary',
      primaryProblem: null,
      backupProblem: expect.stringContaining('LBA 127, where a GPT header should be, lies past the end of the disk (80 sectors)'),
    });
    expect(table.partitions[2]).toMatchObject({ number: 3, startBytes: 80 * 512, sizeBytes: 15 * 512 });
    expect(table.warnings).toContainEqual(expect.stringContaining('the image is truncated (at least 7680 bytes are missing)'));
    expect(table.warnings).toContainEqual(expect.stringContaining('Partition 3 ends 7680 bytes past the end of the disk'));
    expect(table.metadataAreas.map((a) => a.kind)).toEqual(['mbr', 'gpt-primary-header', 'gpt-primary-entries']);
  },
  'mbr-overlap-past-end.img': async (name) => {
    const table = await parse(name);
    expect(numbers(table)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(table.warnings).toEqual([
      expect.stringContaining(`Partition 4 ends ${92 * 512} bytes past the end of the disk`),
      expect.stringContaining('Partitions 1 and 3 overlap'),
    ]);
  },
};

describe('hostile partition tables from test/fixtures/hostile/partitions', () => {
  it('has an expectation for every fixture file', async () => {
    const files = (await readdir(folder)).filter((f) => f.endsWith('.img')).sort();
    expect(files).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, check] of Object.entries(expectations)) it(name, () => check(name));

  it(`stops an EBR chain after ${MAX_EBRS} links, within ${MAX_EBRS + 3} reads`, async () => {
    // 1100 EBRs in a row, each describing a one-sector logical partition right after it.
    const ebrs = 1100;
    const disk = new Uint8Array((2 + ebrs * 2) * 512);
    const view = new DataView(disk.buffer);
    const entry = (sector: number, slot: number, type: number, start: number, count: number): void => {
      const at = sector * 512 + 446 + slot * 16;
      disk[at + 4] = type;
      view.setUint32(at + 8, start, true);
      view.setUint32(at + 12, count, true);
      disk[sector * 512 + 510] = 0x55;
      disk[sector * 512 + 511] = 0xaa;
    };
    entry(0, 0, 0x0f, 2, ebrs * 2);
    for (let i = 0; i < ebrs; i++) {
      entry(2 + i * 2, 0, 0x83, 1, 1);
      if (i + 1 < ebrs) entry(2 + i * 2, 1, 0x05, (i + 1) * 2, 2);
    }
    const source = countingSource(bufferSource(disk));
    const table = await readPartitionTable(source, 512);
    expect(table.mbr?.logicals).toHaveLength(MAX_EBRS);
    expect(table.partitions.at(-1)?.number).toBe(4 + MAX_EBRS);
    expect(table.warnings).toEqual([expect.stringContaining(`longer than ${MAX_EBRS} EBRs`)]);
    expect(source.reads).toBeLessThanOrEqual(MAX_EBRS + 3);
  });
});
