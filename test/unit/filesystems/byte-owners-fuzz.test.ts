import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../recovery/core/errors.js';
import { ownerMapperFor, type OwnerQuery } from '../../../recovery/filesystems/byte-owners.js';
import { countingSource, mutate, seededRandom } from '../../helpers/fuzz.js';
import { loadNtfsFixture, packedSource, packExtents } from './ntfs/ntfs-fixture.js';

const HOSTILE = path.resolve(import.meta.dirname, '../../fixtures/hostile');

/** Every `step` bytes of the first `sizeBytes`, as one-sector queries: hits metadata, directories and files alike. */
function sectorQueries(sizeBytes: number, step: number): OwnerQuery[] {
  return Array.from({ length: Math.floor(sizeBytes / step) }, (_, i) => ({ offsetBytes: i * step + 512, lengthBytes: 512 }));
}

/**
 * The owner mappers read a failing disk's metadata, which may be as damaged as any hostile input:
 * on any mutation they answer one owner list per query or throw a LifeboatError, and read a
 * bounded amount (an endless loop over a cyclic tree would pass any bound).
 */
async function fuzzOwners(
  name: string,
  original: Uint8Array,
  toSource: (bytes: Uint8Array) => ByteSource,
  type: 'ext4' | 'ntfs',
  queries: OwnerQuery[],
  metadataBytes: number,
  iterations: number,
  bounds: { maxReads: number; maxBytesRead: number },
): Promise<{ answered: number; refused: number; namedFiles: number }> {
  const mapper = ownerMapperFor(type);
  if (!mapper) throw new Error(`no mapper for ${type}`);
  const random = seededRandom(0x0a11e5 ^ name.length);
  const result = { answered: 0, refused: 0, namedFiles: 0 };
  for (let i = 0; i < iterations; i++) {
    const input = i === 0 ? original : mutate(original, random, 0, Math.min(metadataBytes, original.length));
    const source = countingSource(toSource(input), bounds);
    try {
      const owners = await mapper(
        source,
        queries.filter((q) => q.offsetBytes + q.lengthBytes <= source.sizeBytes),
      );
      result.answered++;
      result.namedFiles += owners.flat().filter((o) => o.kind === 'file').length;
      expect(owners.every((list) => Array.isArray(list) && list.length <= 33)).toBe(true);
    } catch (error) {
      if (!isLifeboatError(error)) throw new Error(`${name} iteration ${i}: the owner mapper threw ${String(error)}`, { cause: error });
      result.refused++;
    }
  }
  return result;
}

describe('naming owners on damaged filesystems always answers or refuses with a LifeboatError, within bounds', () => {
  for (const base of ['base-ext4', 'base-ext2-meta-bg']) {
    it(`${base}: 400 mutations of its metadata, inode tables and directories`, async () => {
      const original = new Uint8Array(gunzipSync(readFileSync(path.join(HOSTILE, 'ext', `${base}.img.gz`))));
      const result = await fuzzOwners(base, original, bufferSource, 'ext4', sectorQueries(original.length, 4096), 96 * 1024, 400, {
        maxReads: 20_000,
        maxBytesRead: 64 * 1024 * 1024,
      });
      expect(result.answered).toBeGreaterThan(100);
      // The unmutated image names its files: the fuzzer reaches the inode and directory code.
      expect(result.namedFiles).toBeGreaterThan(0);
    });
  }

  it('NTFS (small volume, 512-byte clusters): 400 mutations of its MFT and boot sector', async () => {
    const fixture = loadNtfsFixture('small-512');
    const packed = packExtents(fixture);
    const mftEnd = Math.min(packed.length, 256 * 1024);
    const result = await fuzzOwners(
      'small-512',
      packed,
      (bytes) => packedSource(fixture.image.length, fixture.extents, bytes),
      'ntfs',
      sectorQueries(fixture.image.length, 64 * 1024),
      mftEnd,
      400,
      { maxReads: 20_000, maxBytesRead: 256 * 1024 * 1024 },
    );
    expect(result.answered).toBeGreaterThan(50);
  });
});
