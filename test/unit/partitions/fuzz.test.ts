import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../recovery/core/byte-source.js';
import { MAX_EBRS } from '../../../recovery/partitions/ebr-chain.js';
import { GPT_MAX_ARRAY_BYTES } from '../../../recovery/partitions/gpt-header.js';
import { readMetadataAreas } from '../../../recovery/partitions/read-metadata-areas.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { planPartitionTableWrites } from '../../../recovery/partitions/write-partition-table.js';
import { fuzzParser } from '../../helpers/fuzz.js';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile/partitions');
const SECTOR = 512;

/**
 * The stated bounds: MBR reads LBA 0, LBA 1 and at most MAX_EBRS EBRs; GPT reads 4 header
 * sectors and at most 3 entries arrays of at most GPT_MAX_ARRAY_BYTES; readMetadataAreas then
 * reads each area once more.
 */
const maxReads = 2 * (MAX_EBRS + 8);
const maxBytesRead = 6 * GPT_MAX_ARRAY_BYTES + maxReads * SECTOR;

/** Parse, then everything a capture and a restore would do with the result: no step may throw anything but LifeboatError. */
async function parseAndPlan(source: ByteSource): Promise<void> {
  const table = await readPartitionTable(source, SECTOR);
  const metadata = await readMetadataAreas(source, table);
  planPartitionTableWrites(table, metadata, source.sizeBytes * 2);
}

async function original(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(folder, name)));
}

describe('fuzzing the partition-table reader and writer on real tables', () => {
  it('survives 3000 mutations of an MBR with three logical partitions (sfdisk)', async () => {
    const result = await fuzzParser({
      original: await original('real-mbr-ebr.img'),
      seed: 1,
      iterations: 3000,
      parse: parseAndPlan,
      maxReads,
      maxBytesRead,
      from: 0,
      to: 60 * SECTOR,
    });
    expect(result.accepted).toBeGreaterThan(300);
    expect(result.rejected).toBeGreaterThan(0);
  });

  it('survives 3000 mutations in the first 34 sectors of a GPT disk (sgdisk)', async () => {
    const result = await fuzzParser({
      original: await original('real-gpt.img'),
      seed: 2,
      iterations: 3000,
      parse: parseAndPlan,
      maxReads,
      maxBytesRead,
      from: 0,
      to: 34 * SECTOR,
    });
    expect(result.accepted).toBeGreaterThan(300);
    expect(result.rejected).toBeGreaterThan(0);
  });

  it('survives 3000 mutations in the last 33 sectors of a GPT disk (sgdisk)', async () => {
    const bytes = await original('real-gpt.img');
    // The primary stays intact here, so a second run wrecks it first: then the reader depends on the mutated backup.
    const wrecked = bytes.slice();
    wrecked[SECTOR + 100] = 0xff;
    const intact = await fuzzParser({
      original: bytes,
      seed: 3,
      iterations: 1500,
      parse: parseAndPlan,
      maxReads,
      maxBytesRead,
      from: bytes.length - 33 * SECTOR,
    });
    const fallback = await fuzzParser({
      original: wrecked,
      seed: 4,
      iterations: 1500,
      parse: parseAndPlan,
      maxReads,
      maxBytesRead,
      from: bytes.length - 33 * SECTOR,
    });
    expect(intact.accepted).toBeGreaterThan(300);
    expect(fallback.accepted).toBeGreaterThan(100);
    // Most bytes there are unused entries or padding, so few mutations break the backup: but some must.
    expect(fallback.rejected).toBeGreaterThan(20);
  });
});
