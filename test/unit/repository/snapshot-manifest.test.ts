import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { type LifeboatError, isLifeboatError } from '../../../recovery/core/errors.js';
import { readMetadataAreas } from '../../../recovery/partitions/read-metadata-areas.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { parseManifest, serializeManifest } from '../../../recovery/repository/snapshot-manifest.js';
import { SNAPSHOT_SCHEMA, type SnapshotContent, type SnapshotDescription } from '../../../recovery/repository/snapshot-types.js';
import { mutate, seededRandom } from '../../helpers/fuzz.js';
import { expectCorruptImage, refusalOf } from '../../helpers/refusal.js';

const FILE = '/repo/snapshots/20261121T103000Z-0123456789abcdef.snapshot';
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile/partitions/real-gpt.img');
const SECTOR = 512;
/** Manifest layout (docs/image-format.md): 16-byte header, 24-byte section entries in the writer's order JSON, metadata, ranges, digests. */
const HEADER_BYTES = 16;
const SECTION_ENTRY_BYTES = 24;
const SECTION_RANGES_ENTRY = HEADER_BYTES + 2 * SECTION_ENTRY_BYTES;
const SECTION_DIGESTS_ENTRY = HEADER_BYTES + 3 * SECTION_ENTRY_BYTES;

let content: SnapshotContent;

/**
 * A disk snapshot of the sgdisk-made GPT fixture, its table and metadata bytes read by the real
 * parser: the alpha partition (ext4, two used ranges) and the EFI partition (vfat, three).
 */
beforeAll(async () => {
  const disk = new Uint8Array(await readFile(fixture));
  const source = bufferSource(disk);
  const table = await readPartitionTable(source, SECTOR);
  const areas = await readMetadataAreas(source, table);
  const [alpha, efi] = table.partitions;
  if (!alpha || !efi) throw new Error('the fixture lost its partitions');
  let sectionOffset = 0;
  const metadataAreas = areas.map(({ bytes, ...area }) => {
    const stored = { ...area, sectionOffset };
    sectionOffset += bytes.length;
    return stored;
  });
  const fs = { version: null, uuid: null, sizeBytes: null, blockSizeBytes: 1024, usedBytes: null, dirty: false, dirtyReason: null };
  const description: SnapshotDescription = {
    schema: SNAPSHOT_SCHEMA,
    tool: 'lifeboat 0.1.0',
    createdAt: '2026-11-21T10:30:00.000Z',
    finishedAt: '2026-11-21T10:31:12.345Z',
    note: 'before repair',
    scope: 'disk',
    chunkSizeBytes: 64 * 1024,
    source: {
      path: '/dev/sdz',
      kind: 'block-device',
      model: 'Test Disk',
      serial: 'S123',
      sizeBytes: disk.length,
      logicalSectorSize: SECTOR,
      physicalSectorSize: 4096,
    },
    table,
    metadataAreas,
    extents: [
      {
        kind: 'partition',
        number: 1,
        startBytes: alpha.startBytes,
        sizeBytes: alpha.sizeBytes,
        partition: alpha,
        filesystem: { ...fs, type: 'ext4', label: 'alpha' },
        coverage: 'filesystem',
        reason: null,
        usedBytes: 6 * SECTOR,
        rangeStart: 0,
        rangeCount: 2,
        chunkStart: 0,
        chunkCount: 1,
        storedChunks: 1,
      },
      {
        kind: 'partition',
        number: 2,
        startBytes: efi.startBytes,
        sizeBytes: efi.sizeBytes,
        partition: efi,
        filesystem: { ...fs, type: 'vfat', label: 'EFI' },
        coverage: 'filesystem',
        reason: null,
        usedBytes: 22 * SECTOR,
        rangeStart: 2,
        rangeCount: 3,
        chunkStart: 1,
        chunkCount: 1,
        storedChunks: 1,
      },
    ],
    totals: { usedBytes: 28 * SECTOR, chunks: 2, newChunks: 2, newStoredBytes: 4096 },
  };
  content = {
    description,
    metadataBytes: Buffer.concat(areas.map((area) => area.bytes)),
    ranges: new Float64Array([0, 4, 8, 2, 0, 2, 4, 10, 20, 10]),
    digests: Buffer.concat([sha256(Buffer.from('alpha chunk 0')), sha256(Buffer.from('efi chunk 0'))]),
  };
});

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Recomputes the trailing SHA-256 after tampering, so the parser gets past the hash to the check under test. */
function rehash(bytes: Uint8Array): Buffer {
  const copy = Buffer.from(bytes);
  if (copy.length >= 32) sha256(copy.subarray(0, copy.length - 32)).copy(copy, copy.length - 32);
  return copy;
}

/** A copy of the sample with its description edited; the writer checks nothing, so it plays the hostile writer. */
function withDescription(edit: (d: SnapshotDescription) => void): Buffer {
  const description = structuredClone(content.description);
  edit(description);
  return serializeManifest({ ...content, description }).bytes;
}

function refusal(bytes: Buffer): LifeboatError {
  return refusalOf(() => parseManifest(bytes, FILE), 'the manifest');
}

function expectDamaged(bytes: Buffer, words: string): void {
  expectCorruptImage(() => parseManifest(bytes, FILE), FILE, words);
}

function sectionOffset(bytes: Buffer, entry: number): number {
  return Number(bytes.readBigUInt64LE(entry + 8));
}

describe('a snapshot manifest keeps everything a restore needs', () => {
  it('parses back to the description, metadata bytes, used ranges and digests it was written from', () => {
    const { bytes, id } = serializeManifest(content);
    const parsed = parseManifest(bytes, FILE);
    expect(parsed.description).toEqual(content.description);
    expect(parsed.metadataBytes.equals(content.metadataBytes)).toBe(true);
    expect(parsed.ranges).toEqual(content.ranges);
    expect(parsed.digests.equals(content.digests)).toBe(true);
    expect(parsed.id).toBe(id);
  });

  it('is named by the first 16 hex digits of the SHA-256 in its last 32 bytes', () => {
    const { bytes, id } = serializeManifest(content);
    const trailer = bytes.subarray(bytes.length - 32);
    expect(trailer.equals(sha256(bytes.subarray(0, bytes.length - 32)))).toBe(true);
    expect(id).toBe(trailer.toString('hex').slice(0, 16));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('a manifest that is internally inconsistent is refused with CORRUPT_IMAGE naming the file', () => {
  it('refuses an extent that reaches past the end of the source disk', () => {
    expectDamaged(
      withDescription((d) => ((d.extents[1] as { startBytes: number }).startBytes = d.source.sizeBytes - 4096)),
      'extent 1 lies outside the source disk',
    );
  });

  it('refuses a chunk count that does not match the extent size', () => {
    expectDamaged(
      withDescription((d) => ((d.extents[0] as { chunkCount: number }).chunkCount = 2)),
      "extent 0's chunk list does not fit its size",
    );
  });

  it('refuses used ranges out of order', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    const ranges = sectionOffset(bytes, SECTION_RANGES_ENTRY);
    // Swap extent 0's two (start, count) pairs: the sum stays the same, only the order breaks.
    const first = Buffer.from(bytes.subarray(ranges, ranges + 16));
    bytes.copy(bytes, ranges, ranges + 16, ranges + 32);
    first.copy(bytes, ranges + 16);
    expectDamaged(rehash(bytes), "extent 0's used ranges are unsorted or outside it");
  });

  it('refuses a used range that runs past the end of its extent', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    // Extent 0 has 16 sectors; move its second range (2 sectors at 8) to start at sector 15.
    bytes.writeBigUInt64LE(15n, sectionOffset(bytes, SECTION_RANGES_ENTRY) + 16);
    expectDamaged(rehash(bytes), "extent 0's used ranges are unsorted or outside it");
  });

  it('refuses used ranges that do not add up to the extent used bytes', () => {
    expectDamaged(
      withDescription((d) => ((d.extents[1] as { usedBytes: number }).usedBytes += SECTOR)),
      "extent 1's used ranges add up to 11264 bytes, not 11776",
    );
  });

  it('refuses a metadata area that lies outside the metadata section', () => {
    expectDamaged(
      withDescription((d) => ((d.metadataAreas.at(-1) as { sectionOffset: number }).sectionOffset += 1)),
      'a gpt-backup-header area lies outside its section',
    );
  });

  it('refuses a chunk size that is not a power of two', () => {
    expectDamaged(
      withDescription((d) => (d.chunkSizeBytes = 3 * 64 * 1024)),
      'chunk size 196608 is not a power of two',
    );
  });

  it('refuses an extent or a metadata area that is not a record', () => {
    // JSON can hold null where a record belongs: the parser must say so, not throw a TypeError.
    expectDamaged(
      withDescription((d) => ((d.extents as unknown[])[1] = null)),
      'extent 1 is not a record',
    );
    expectDamaged(
      withDescription((d) => ((d.metadataAreas as unknown[])[0] = null)),
      'a metadata area is not a record',
    );
    expectDamaged(
      withDescription((d) => ((d as { source: unknown }).source = 'sdz')),
      'no valid size',
    );
  });

  it('refuses a description that is not JSON, or JSON without the schema', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    bytes[sectionOffset(bytes, HEADER_BYTES)] = 0x78; // 'x' where '{' was
    expectDamaged(rehash(bytes), 'its description is not JSON');
    expectDamaged(
      withDescription((d) => ((d as { schema: string }).schema = 'lifeboat.snapshot/0')),
      'no lifeboat.snapshot/1 schema',
    );
  });

  it('refuses a manifest missing a section', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    bytes.writeUInt32LE(99, SECTION_DIGESTS_ENTRY); // an unknown type, so section 4 is gone
    expectDamaged(rehash(bytes), 'section 4 is missing');
  });

  it('refuses a section that appears twice', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    bytes.writeUInt32LE(3, SECTION_DIGESTS_ENTRY);
    expectDamaged(rehash(bytes), 'section 3 appears twice');
  });

  it('refuses a section that runs past the end of the file, and a section table longer than the file', () => {
    const pastEnd = Buffer.from(serializeManifest(content).bytes);
    pastEnd.writeBigUInt64LE(pastEnd.readBigUInt64LE(SECTION_DIGESTS_ENTRY + 16) + 1n, SECTION_DIGESTS_ENTRY + 16);
    expectDamaged(rehash(pastEnd), 'section 4 runs past the end');
    const hugeOffset = Buffer.from(serializeManifest(content).bytes);
    hugeOffset.writeBigUInt64LE(0xffff_ffff_ffff_fff0n, SECTION_DIGESTS_ENTRY + 8);
    expectDamaged(rehash(hugeOffset), 'section 4 runs past the end');
    const manySections = Buffer.from(serializeManifest(content).bytes);
    manySections.writeUInt32LE(0xffff_ffff, 12);
    expectDamaged(rehash(manySections), 'its section table is longer than the file');
  });

  it('refuses a used-range section with half a pair', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    bytes.writeBigUInt64LE(bytes.readBigUInt64LE(SECTION_RANGES_ENTRY + 16) - 8n, SECTION_RANGES_ENTRY + 16);
    expectDamaged(rehash(bytes), 'a section has a partial record');
  });

  it('refuses a single unhashed flipped byte with CORRUPT_IMAGE', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    const digests = sectionOffset(bytes, SECTION_DIGESTS_ENTRY);
    bytes[digests + 5] = (bytes[digests + 5] as number) ^ 0x01;
    expectDamaged(bytes, 'its SHA-256 does not match');
  });

  it('refuses a manifest written by a newer Lifeboat with UNSUPPORTED_FORMAT', () => {
    const bytes = Buffer.from(serializeManifest(content).bytes);
    bytes.writeUInt16LE(2, 8);
    const error = refusal(rehash(bytes));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('newer Lifeboat');
  });
});

describe('fuzzing the manifest parser', () => {
  it('answers a manifest or a LifeboatError for 2000 re-hashed mutations, quickly', () => {
    // A plain Uint8Array: mutate() copies with slice(), which on a Buffer would share memory and let damage pile up.
    const original = new Uint8Array(serializeManifest(content).bytes);
    const jsonEnd = sectionOffset(Buffer.from(original), HEADER_BYTES + SECTION_ENTRY_BYTES);
    const ranges = sectionOffset(Buffer.from(original), SECTION_RANGES_ENTRY);
    // The metadata bytes are opaque to the parser and most of the file: aim two mutations in three at the parts it interprets.
    const regions: Array<[number, number]> = [
      [0, original.length - 32],
      [0, jsonEnd],
      [ranges, original.length - 32],
    ];
    const random = seededRandom(20261121);
    const reasons = new Set<string>();
    let accepted = 0;
    const startMs = performance.now();
    for (let i = 0; i < 2000; i++) {
      const [from, to] = regions[i % regions.length] as [number, number];
      const input = rehash(mutate(original, random, from, to));
      try {
        parseManifest(input, FILE);
        accepted++;
      } catch (error) {
        if (!isLifeboatError(error)) throw new Error(`mutation ${i} threw a non-Lifeboat error: ${String(error)}`, { cause: error });
        expect(['CORRUPT_IMAGE', 'UNSUPPORTED_FORMAT']).toContain(error.code);
        reasons.add(error.message.replace(/\d+/g, 'N'));
      }
    }
    // Speed is the benchmark's business (npm run bench): printed here, never asserted.
    process.stderr.write(`manifest fuzz: 2000 mutations parsed in ${Math.round(performance.now() - startMs)} ms\n`);
    expect(accepted).toBeGreaterThan(100);
    // Re-hashing lets the mutations reach the structural and semantic checks, not just the hash.
    expect(reasons.size).toBeGreaterThan(10);
  });
});
