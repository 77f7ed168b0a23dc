import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LifeboatError } from '../../../recovery/core/errors.js';
import { ChunkIndex, type ChunkLocation } from '../../../recovery/repository/chunk-index.js';
import { INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES, MAX_CHUNK_SIZE_BYTES } from '../../../recovery/repository/format-constants.js';
import { expectCorruptImage, refusalOf } from '../../helpers/refusal.js';

const FILE = '/repo/index';
const PACK_ID_BYTES = 16;
/** Field offsets inside one 56-byte index entry (docs/image-format.md, "The index"). */
const ENTRY_PACK_NUMBER = 40;
const ENTRY_PLAIN_BYTES = 52;

const packIds = ['c0ffee'.padEnd(32, '1'), '0badf00d'.padEnd(32, '2'), '7e57'.padEnd(32, '3')];

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Forty chunks spread over three packs, with realistic offsets and sizes. */
function sampleChunks(): Array<{ digest: Buffer; location: ChunkLocation }> {
  return Array.from({ length: 40 }, (_, i) => ({
    digest: sha256(Buffer.from(`chunk ${i}`)),
    location: { packId: packIds[i % 3] as string, offsetBytes: 32 + i * 70_000, codec: i % 2, storedBytes: 60_000 + i, plainBytes: 65_536 },
  }));
}

function sampleIndexBytes(): Buffer {
  const index = ChunkIndex.empty();
  for (const { digest, location } of sampleChunks()) index.add(digest, location);
  return index.serialize();
}

/** Recomputes the trailing SHA-256, so a tampered file passes the hash and only the check under test can fire. */
function rehash(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  sha256(copy.subarray(0, copy.length - 32)).copy(copy, copy.length - 32);
  return copy;
}

function recordsStart(bytes: Buffer): number {
  return INDEX_HEADER_BYTES + bytes.readUInt32LE(12) * PACK_ID_BYTES;
}

function parseError(bytes: Buffer): LifeboatError {
  return refusalOf(() => ChunkIndex.parse(bytes, FILE), 'the index');
}

function expectDamaged(bytes: Buffer, words: string): void {
  expectCorruptImage(() => ChunkIndex.parse(bytes, FILE), FILE, words);
}

describe('the chunk index finds every chunk a capture stored', () => {
  it('survives serialize and parse with chunks in three packs, and finds each one where it was stored', () => {
    const parsed = ChunkIndex.parse(sampleIndexBytes(), FILE);
    expect(parsed.size).toBe(40);
    expect([...parsed.packs].sort()).toEqual([...packIds].sort());
    for (const { digest, location } of sampleChunks()) expect(parsed.find(digest)).toEqual(location);
  });

  it('answers null for a digest it does not hold, including one below and above every stored digest', () => {
    const parsed = ChunkIndex.parse(sampleIndexBytes(), FILE);
    expect(parsed.find(randomBytes(32))).toBeNull();
    expect(parsed.find(Buffer.alloc(32, 0x00))).toBeNull();
    expect(parsed.find(Buffer.alloc(32, 0xff))).toBeNull();
    expect(ChunkIndex.empty().find(randomBytes(32))).toBeNull();
  });

  it('stores entries sorted by digest, so readers can binary-search them', () => {
    const bytes = sampleIndexBytes();
    const start = recordsStart(bytes);
    const digests: string[] = [];
    for (let at = start; at < bytes.length - 32; at += INDEX_ENTRY_BYTES) digests.push(bytes.subarray(at, at + 32).toString('hex'));
    expect(digests).toHaveLength(40);
    expect(digests).toEqual([...digests].sort());
  });

  it('keeps a loaded entry and adds new ones when a later capture writes the index again', () => {
    const parsed = ChunkIndex.parse(sampleIndexBytes(), FILE);
    const known = sampleChunks()[5] as { digest: Buffer; location: ChunkLocation };
    const fresh = {
      digest: sha256(Buffer.from('new chunk')),
      location: { packId: 'ab'.repeat(16), offsetBytes: 32, codec: 1, storedBytes: 100, plainBytes: 65_536 },
    };
    parsed.add(known.digest, { ...known.location, offsetBytes: 999 });
    parsed.add(fresh.digest, fresh.location);
    expect(parsed.addedCount).toBe(1);
    const again = ChunkIndex.parse(parsed.serialize(), FILE);
    expect(again.size).toBe(41);
    expect(again.find(known.digest)).toEqual(known.location);
    expect(again.find(fresh.digest)).toEqual(fresh.location);
  });
});

describe('the chunk index refuses a damaged file with CORRUPT_IMAGE naming it', () => {
  it('refuses the file cut at any of several places', () => {
    const bytes = sampleIndexBytes();
    for (const cut of [0, 8, 23, 24, 56, recordsStart(bytes) + 10, bytes.length - 33, bytes.length - 1]) {
      expect(parseError(bytes.subarray(0, cut)).code, `cut at ${cut}`).toBe('CORRUPT_IMAGE');
    }
  });

  it('refuses a single flipped byte anywhere in the file (the SHA-256 trailer catches it)', () => {
    const bytes = sampleIndexBytes();
    for (let at = 0; at < bytes.length; at++) {
      const flipped = Buffer.from(bytes);
      flipped[at] = (flipped[at] as number) ^ 0x10;
      const error = parseError(flipped);
      // The version is read before the hash, so a newer layout can be named rather than called damaged.
      if (at === 8 || at === 9) expect(error.code, `byte ${at}`).toBe('UNSUPPORTED_FORMAT');
      else expect(error.code, `byte ${at}`).toBe('CORRUPT_IMAGE');
      expect(error.message).toContain(FILE);
    }
  });

  it('refuses counts that disagree with the file length', () => {
    const moreEntries = Buffer.from(sampleIndexBytes());
    moreEntries.writeBigUInt64LE(41n, 16);
    expectDamaged(rehash(moreEntries), 'its counts say');
    const hugeEntries = Buffer.from(sampleIndexBytes());
    hugeEntries.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, 16);
    expectDamaged(rehash(hugeEntries), 'its counts say');
    const fewerPacks = Buffer.from(sampleIndexBytes());
    fewerPacks.writeUInt32LE(2, 12);
    expectDamaged(rehash(fewerPacks), 'its counts say');
  });

  it('refuses entries out of digest order, and a digest listed twice', () => {
    const bytes = sampleIndexBytes();
    const start = recordsStart(bytes);
    const swapped = Buffer.from(bytes);
    bytes.copy(swapped, start, start + INDEX_ENTRY_BYTES, start + 2 * INDEX_ENTRY_BYTES);
    bytes.copy(swapped, start + INDEX_ENTRY_BYTES, start, start + INDEX_ENTRY_BYTES);
    expectDamaged(rehash(swapped), 'entry 1 is out of order');
    const twice = Buffer.from(bytes);
    bytes.copy(twice, start + 3 * INDEX_ENTRY_BYTES, start + 2 * INDEX_ENTRY_BYTES, start + 3 * INDEX_ENTRY_BYTES);
    expectDamaged(rehash(twice), 'entry 3 is out of order');
  });

  it('refuses an entry whose pack number is past the pack table', () => {
    const bytes = Buffer.from(sampleIndexBytes());
    const at = recordsStart(bytes) + 7 * INDEX_ENTRY_BYTES;
    bytes.writeUInt32LE(packIds.length, at + ENTRY_PACK_NUMBER);
    expectDamaged(rehash(bytes), 'entry 7 is out of bounds');
  });

  it('refuses an entry whose plain size is larger than the largest chunk (64 MiB)', () => {
    const bytes = Buffer.from(sampleIndexBytes());
    const at = recordsStart(bytes) + 12 * INDEX_ENTRY_BYTES;
    bytes.writeUInt32LE(MAX_CHUNK_SIZE_BYTES + 1, at + ENTRY_PLAIN_BYTES);
    expectDamaged(rehash(bytes), 'entry 12 is out of bounds');
  });

  it('refuses an index written by a newer Lifeboat with UNSUPPORTED_FORMAT', () => {
    const bytes = Buffer.from(sampleIndexBytes());
    bytes.writeUInt16LE(2, 8);
    const error = parseError(rehash(bytes));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('version 2');
    expect(error.message).toContain('newer Lifeboat');
  });
});
