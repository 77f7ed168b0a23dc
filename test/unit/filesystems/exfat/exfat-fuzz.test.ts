/**
 * Mutated exFAT volumes (a real mkfs.exfat + exfat-fuse image): the prober and the mapper answer
 * or throw a LifeboatError, within a fixed number of reads and bytes.
 */
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../../../recovery/core/byte-source.js';
import { exfatProber, exfatUsedBlocks } from '../../../../recovery/filesystems/exfat/index.js';
import { countingSource, fuzzParser } from '../../../helpers/fuzz.js';
import { fixExfatChecksum, loadBase, zeroPadded } from '../fat/fat-fixtures.js';

/** Boot regions (2), the root directory (<= 8104 clusters here, each with a FAT read), bitmap pieces. */
const MAX_READS = 20_000;
const MAX_BYTES_READ = 64 * 1024 * 1024;
const bounds = { maxReads: MAX_READS, maxBytesRead: MAX_BYTES_READ };

// The 4 MiB image is mutated only in its first 160 KiB (boot regions, FAT, bitmap, the four root
// directory clusters 16, 169, 174 and 179); past that the parser reads zeros, as from the real image.
const full = loadBase('exfat', 'exfat-base');
const head = full.slice(0, 160 * 1024);

async function probeAndMap(source: ByteSource): Promise<void> {
  const padded = source.sizeBytes === head.length ? zeroPadded(source, full.length) : source;
  const info = await exfatProber.probe(padded);
  if (info !== null) await exfatUsedBlocks(padded, info);
}

/** Mutations of the boot sector would mostly just fail the checksum; re-sealing them reaches the field checks. */
async function probeAndMapResealed(source: ByteSource): Promise<void> {
  const bytes = (await source.readAt(0, source.sizeBytes)).slice();
  fixExfatChecksum(bytes);
  await probeAndMap(countingSource(bufferSource(bytes), bounds));
}

describe('fuzzed exFAT volumes', () => {
  it('the boot sector, with the boot region checksum recomputed after each mutation', async () => {
    const result = await fuzzParser({ original: head, seed: 7, iterations: 2500, parse: probeAndMapResealed, ...bounds, to: 512 });
    expect(result.accepted).toBeGreaterThan(100);
    expect(result.rejected).toBeGreaterThan(100);
  });

  it('both boot regions as they are (damage falls back to the backup region, or fails)', async () => {
    const result = await fuzzParser({ original: head, seed: 77, iterations: 2000, parse: probeAndMap, ...bounds, to: 24 * 512 });
    expect(result.accepted).toBeGreaterThan(100);
  });

  it('the FAT, the allocation bitmap and the root directory clusters', async () => {
    const result = await fuzzParser({ original: head, seed: 777, iterations: 2500, parse: probeAndMap, ...bounds, from: 24 * 512 });
    expect(result.accepted).toBeGreaterThan(100);
    expect(result.rejected).toBeGreaterThan(10);
  });

  it('the first root directory cluster (label, bitmap and up-case entries)', async () => {
    const root = (88 + 14) * 512;
    const result = await fuzzParser({ original: head, seed: 7777, iterations: 2500, parse: probeAndMap, ...bounds, from: root, to: root + 512 });
    expect(result.accepted).toBeGreaterThan(100);
    expect(result.rejected).toBeGreaterThan(100);
  });
});
