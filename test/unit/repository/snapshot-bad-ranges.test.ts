import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartitionTable } from '../../../recovery/partitions/partition-table.js';
import { parseManifest, serializeManifest } from '../../../recovery/repository/snapshot-manifest.js';
import { SNAPSHOT_SCHEMA, type ExtentRecord, type SnapshotContent } from '../../../recovery/repository/snapshot-types.js';
import { expectCorruptImage, refusalOf } from '../../helpers/refusal.js';

const FILE = '/repo/snapshots/20261122T000000Z-0123456789abcdef.snapshot';
const SECTOR = 512;
const MiB = 1024 * 1024;
const HEADER_BYTES = 16;
const SECTION_ENTRY_BYTES = 24;

/** A disk of 16 MiB with two partitions: sectors 2048-10239 and 10240-30719. */
function sample(badRanges?: number[]): SnapshotContent {
  const extent = (number: number, startBytes: number, sizeBytes: number, rangeStart: number, chunkStart: number): ExtentRecord => ({
    kind: 'partition',
    number,
    startBytes,
    sizeBytes,
    partition: null,
    filesystem: null,
    coverage: 'whole',
    reason: null,
    usedBytes: sizeBytes,
    rangeStart,
    rangeCount: 1,
    chunkStart,
    chunkCount: Math.ceil(sizeBytes / MiB),
    storedChunks: 0,
  });
  const extents = [extent(1, 1 * MiB, 4 * MiB, 0, 0), extent(2, 5 * MiB, 10 * MiB, 1, 4)];
  return {
    description: {
      schema: SNAPSHOT_SCHEMA,
      tool: 'lifeboat 0.1.0',
      createdAt: '2026-11-22T00:00:00.000Z',
      finishedAt: '2026-11-22T00:00:01.000Z',
      note: null,
      scope: 'disk',
      chunkSizeBytes: MiB,
      source: { path: '/dev/sdz', kind: 'block-device', model: null, serial: null, sizeBytes: 16 * MiB, logicalSectorSize: SECTOR, physicalSectorSize: 4096 },
      table: { scheme: 'gpt', partitions: [], gaps: [], warnings: [], metadataAreas: [] } as unknown as PartitionTable,
      metadataAreas: [],
      extents,
      totals: { usedBytes: 14 * MiB, chunks: 14, newChunks: 0, newStoredBytes: 0 },
      ...(badRanges
        ? {
            rescue: {
              badSectorCount: badRanges.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0),
              badRangeCount: badRanges.length / 2,
              passes: [],
              ranges: [],
              rangesNotDescribed: badRanges.length / 2,
            },
          }
        : {}),
    },
    metadataBytes: Buffer.alloc(0),
    ranges: new Float64Array([0, 8192, 0, 20480]),
    digests: Buffer.alloc(14 * 32),
    ...(badRanges ? { badRanges: Float64Array.from(badRanges) } : {}),
  };
}

/** The bad-range section's offset in a serialized manifest (it is the fifth section). */
function badSectionOffset(bytes: Buffer): number {
  return Number(bytes.readBigUInt64LE(HEADER_BYTES + 4 * SECTION_ENTRY_BYTES + 8));
}

function rehash(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  createHash('sha256')
    .update(copy.subarray(0, copy.length - 32))
    .digest()
    .copy(copy, copy.length - 32);
  return copy;
}

describe('the bad-range section of a --rescue snapshot', () => {
  it('parses back to exactly the ranges written, with the rescue record in the description', () => {
    const content = sample([2100, 1, 2200, 8, 20000, 3]);
    const parsed = parseManifest(serializeManifest(content).bytes, FILE);
    expect(parsed.badRanges).toEqual(Float64Array.from([2100, 1, 2200, 8, 20000, 3]));
    expect(parsed.description.rescue?.badSectorCount).toBe(12);
  });

  it('is left out of snapshots captured without --rescue, which parse as before with no bad ranges', () => {
    const { bytes } = serializeManifest(sample());
    expect(bytes.readUInt32LE(12)).toBe(4);
    const parsed = parseManifest(bytes, FILE);
    expect(parsed.badRanges).toBeUndefined();
    expect(parsed.description.rescue).toBeUndefined();
  });

  it('is written even when a rescue found nothing, as an empty list', () => {
    const parsed = parseManifest(serializeManifest(sample([])).bytes, FILE);
    expect(parsed.badRanges).toEqual(new Float64Array(0));
  });

  it('refuses ranges out of order, overlapping, empty, outside every extent or past the source', () => {
    expectCorruptImage(
      () => parseManifest(serializeManifest(sample([2200, 1, 2100, 1])).bytes, FILE),
      FILE,
      'bad range 1 (sectors 2100+1) is empty or not after the one before it',
    );
    expectCorruptImage(() => parseManifest(serializeManifest(sample([2100, 4, 2102, 1])).bytes, FILE), FILE, 'is empty or not after the one before it');
    expectCorruptImage(() => parseManifest(serializeManifest(sample([2100, 0])).bytes, FILE), FILE, 'bad range 0 (sectors 2100+0) is empty');
    expectCorruptImage(() => parseManifest(serializeManifest(sample([100, 1])).bytes, FILE), FILE, 'bad range 0 (sectors 100+1) lies outside every extent');
    // Sectors 10239-10240 straddle the two partitions: a capture never reads across an extent's edge as one range.
    expectCorruptImage(() => parseManifest(serializeManifest(sample([10239, 2])).bytes, FILE), FILE, 'lies outside every extent');
    expectCorruptImage(() => parseManifest(serializeManifest(sample([32767, 2])).bytes, FILE), FILE, 'lies past the end of the source');
  });

  it('refuses a section whose count does not match its length, and a sector number beyond 2^53', () => {
    const bytes = Buffer.from(serializeManifest(sample([2100, 1])).bytes);
    const at = badSectionOffset(bytes);
    bytes.writeBigUInt64LE(1000n, at + 8);
    expectCorruptImage(() => parseManifest(rehash(bytes), FILE), FILE, 'says 1000 ranges but is 32 bytes long');
    const huge = Buffer.from(serializeManifest(sample([2100, 1])).bytes);
    huge.writeBigUInt64LE(2n ** 60n, badSectionOffset(huge) + 16);
    expectCorruptImage(() => parseManifest(rehash(huge), FILE), FILE, 'bad range 0 holds an impossible sector number');
  });

  it('refuses version 0, and a newer section version with UNSUPPORTED_FORMAT', () => {
    const zero = Buffer.from(serializeManifest(sample([2100, 1])).bytes);
    zero.writeUInt16LE(0, badSectionOffset(zero));
    expectCorruptImage(() => parseManifest(rehash(zero), FILE), FILE, 'version 0');
    const newer = Buffer.from(serializeManifest(sample([2100, 1])).bytes);
    newer.writeUInt16LE(2, badSectionOffset(newer));
    const error = refusalOf(() => parseManifest(rehash(newer), FILE), 'a version 2 bad-range section');
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain('version 2 section, written by a newer Lifeboat');
  });

  it('refuses a rescue record that is not a record, or lists ranges without owners', () => {
    const content = sample([2100, 1]);
    const notRecord = { ...content, description: { ...content.description, rescue: null as never } };
    expectCorruptImage(() => parseManifest(serializeManifest(notRecord).bytes, FILE), FILE, 'its rescue record is not a record');
    const noOwners = {
      ...content,
      description: { ...content.description, rescue: { ...content.description.rescue!, ranges: [{ firstSector: 2100 } as never] } },
    };
    expectCorruptImage(() => parseManifest(serializeManifest(noOwners).bytes, FILE), FILE, 'a range that is not a record');
  });
});
