import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { ntfsProber } from '../../../../recovery/filesystems/ntfs/ntfs-probe.js';
import { ntfsUsedClusters } from '../../../../recovery/filesystems/ntfs/ntfs-used-clusters.js';
import { countingSource, fuzzParser, mutate, seededRandom } from '../../../helpers/fuzz.js';
import { loadNtfsFixture, packedSource, packExtents } from './ntfs-fixture.js';
import { recordOffset } from './ntfs-patch.js';

/** What Lifeboat does with a partition: probe it, and map it when it is NTFS. */
async function probeAndMap(source: ByteSource): Promise<void> {
  const info = await ntfsProber.probe(source);
  if (info !== null) await ntfsUsedClusters(source, info);
}

/**
 * Read bounds for one probe plus one map. Both read the boot sector, MFT records 0, 3 and 6,
 * $MFT's extension records and $Bitmap; on these volumes that is a few dozen reads. A mutated
 * attribute list can name at most one record per 26-byte entry of its one 4 KiB cluster
 * (~160 records), hence the margin; an endless loop passes any bound.
 */
const SMALL_BOUNDS = { maxReads: 64, maxBytesRead: 256 * 1024 };
const FRAGMENTED_BOUNDS = { maxReads: 1000, maxBytesRead: 4 * 1024 * 1024 };

describe('fuzzing NTFS metadata', () => {
  const small = loadNtfsFixture('small-512');

  it('survives mutated boot sectors', async () => {
    const result = await fuzzParser({ original: small.image, seed: 0x4e544653, iterations: 1500, parse: probeAndMap, ...SMALL_BOUNDS, from: 0, to: 512 });
    process.stdout.write(`fuzz: ${JSON.stringify(result)}\n`);
    expect(result.accepted).toBeGreaterThan(0);
    expect(result.rejected).toBeGreaterThan(0);
  });

  it('survives mutated MFT records 0 to 15', async () => {
    const from = recordOffset(small.image, 0);
    const result = await fuzzParser({
      original: small.image,
      seed: 0x4d4654,
      iterations: 2500,
      parse: probeAndMap,
      ...SMALL_BOUNDS,
      from,
      to: from + 16 * 1024,
    });
    process.stdout.write(`fuzz: ${JSON.stringify(result)}\n`);
    expect(result.accepted).toBeGreaterThan(0);
    expect(result.rejected).toBeGreaterThan(0);
  });

  it('survives mutations of a fragmented $MFT: its records, extension records, attribute list and $Bitmap', async () => {
    const fragmented = loadNtfsFixture('fragmented-mft');
    const packed = packExtents(fragmented);
    const random = seededRandom(0x46524147);
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 2500; i++) {
      const source = countingSource(packedSource(fragmented.image.length, fragmented.extents, mutate(packed, random, 0, packed.length)), FRAGMENTED_BOUNDS);
      try {
        await probeAndMap(source);
        accepted++;
      } catch (error) {
        if (!isLifeboatError(error)) throw new Error(`iteration ${i} threw a non-Lifeboat error: ${String(error)}`, { cause: error });
        rejected++;
      }
    }
    process.stdout.write(`fuzz: ${JSON.stringify({ accepted, rejected })}\n`);
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});
