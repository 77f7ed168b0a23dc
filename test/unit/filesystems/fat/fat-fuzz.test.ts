/**
 * Mutated FAT12 and FAT32 volumes (real mkfs.fat + mtools images): the prober and the mapper
 * answer or throw a LifeboatError, within a fixed number of reads and bytes.
 */
import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../../recovery/core/byte-source.js';
import { fatProber, fatUsedBlocks } from '../../../../recovery/filesystems/fat/index.js';
import { fuzzParser } from '../../../helpers/fuzz.js';
import { loadBase, zeroPadded } from './fat-fixtures.js';

/** Reads a probe and a map may make: boot sector, root directory (<= 99 clusters, each with a FAT read), FAT pieces. */
const MAX_READS = 400;
/** The images are small: even a hostile root-entry count (2 MiB) or FAT size cannot read more than this. */
const MAX_BYTES_READ = 64 * 1024 * 1024;

async function probeAndMap(source: ByteSource): Promise<void> {
  const info = await fatProber.probe(source);
  if (info !== null) await fatUsedBlocks(source, info);
}

describe('fuzzed FAT volumes', () => {
  const fat12 = loadBase('fat', 'fat12-base');

  it('FAT12: boot sector, both FATs (entries straddling bytes and sectors) and the root directory', async () => {
    // Data starts at sector 39: everything before is metadata.
    const result = await fuzzParser({
      original: fat12,
      seed: 12,
      iterations: 2500,
      parse: probeAndMap,
      maxReads: MAX_READS,
      maxBytesRead: MAX_BYTES_READ,
      to: 39 * 512,
    });
    expect(result.accepted).toBeGreaterThan(100);
    expect(result.rejected).toBeGreaterThan(100);
  });

  it('FAT12: the boot sector alone', async () => {
    const result = await fuzzParser({
      original: fat12,
      seed: 1212,
      iterations: 2500,
      parse: probeAndMap,
      maxReads: MAX_READS,
      maxBytesRead: MAX_BYTES_READ,
      to: 512,
    });
    expect(result.accepted).toBeGreaterThan(100);
    expect(result.rejected).toBeGreaterThan(100);
  });

  // The 33 MiB FAT32 image is mutated only in its first 640 KiB (boot sectors, FATs, the three root
  // directory clusters); past that the parser reads zeros, as it would from the real image.
  const fat32Full = loadBase('fat', 'fat32-base');
  const head = fat32Full.slice(0, 640 * 1024);
  const fat32 = (source: ByteSource): Promise<void> => probeAndMap(source.sizeBytes === head.length ? zeroPadded(source, fat32Full.length) : source);
  const fatStart = 32 * 512;
  const rootStart = 1072 * 512;

  it('FAT32: the boot sector', async () => {
    const result = await fuzzParser({ original: head, seed: 32, iterations: 1500, parse: fat32, maxReads: MAX_READS, maxBytesRead: MAX_BYTES_READ, to: 512 });
    expect(result.accepted).toBeGreaterThan(50);
    expect(result.rejected).toBeGreaterThan(50);
  });

  it('FAT32: the start of the FAT (entries 0-400: flags, the root chain, files)', async () => {
    const result = await fuzzParser({
      original: head,
      seed: 3232,
      iterations: 1500,
      parse: fat32,
      maxReads: MAX_READS,
      maxBytesRead: MAX_BYTES_READ,
      from: fatStart,
      to: fatStart + 1600,
    });
    expect(result.accepted).toBeGreaterThan(50);
    expect(result.rejected).toBeGreaterThan(0);
  });

  it('FAT32: the root directory clusters', async () => {
    const result = await fuzzParser({
      original: head,
      seed: 323232,
      iterations: 1500,
      parse: fat32,
      maxReads: MAX_READS,
      maxBytesRead: MAX_BYTES_READ,
      from: rootStart,
      to: head.length,
    });
    expect(result.accepted).toBeGreaterThan(50);
  });
});
