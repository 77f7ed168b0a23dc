/**
 * The manifest's bad-range section (type 5, docs/image-format.md): the sectors a `--rescue`
 * capture could not read and filled with zeros. The section has its own version so it can grow
 * without changing the manifest's; a manifest without it (every capture before --rescue, and
 * every capture without it) simply has no bad ranges, and a reader that does not know type 5
 * still restores the same bytes, because the zeros are in the chunks themselves.
 */
import type { ExtentRecord } from './snapshot-types.js';

export const SECTION_BAD_RANGES = 5;
/** The description explains at most this many ranges (with their owners); section 5 lists all. */
export const MAX_DESCRIBED_BAD_RANGES = 4096;
export const BAD_RANGES_VERSION = 1;
const HEADER_BYTES = 16;
const PAIR_BYTES = 16;

/** The section's bytes for (first sector, sector count) pairs in the source's logical sectors. */
export function serializeBadRanges(pairs: Float64Array): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES + (pairs.length / 2) * PAIR_BYTES);
  bytes.writeUInt16LE(BAD_RANGES_VERSION, 0);
  bytes.writeBigUInt64LE(BigInt(pairs.length / 2), 8);
  for (const [i, value] of pairs.entries()) bytes.writeBigUInt64LE(BigInt(value), HEADER_BYTES + i * 8);
  return bytes;
}

export type BadRangesParse = { pairs: Float64Array } | { problem: string } | { newerVersion: number };

/** Decodes the section, checking its header and length before allocating anything. */
export function parseBadRanges(bytes: Buffer): BadRangesParse {
  if (bytes.length < HEADER_BYTES) return { problem: 'its bad-range section is shorter than its header' };
  const version = bytes.readUInt16LE(0);
  if (version === 0) return { problem: 'its bad-range section has version 0, which was never written' };
  if (version > BAD_RANGES_VERSION) return { newerVersion: version };
  const count = bytes.readBigUInt64LE(8);
  if (BigInt(bytes.length) !== BigInt(HEADER_BYTES) + count * BigInt(PAIR_BYTES))
    return { problem: `its bad-range section says ${count} ranges but is ${bytes.length} bytes long` };
  const pairs = new Float64Array(Number(count) * 2);
  for (let i = 0; i < pairs.length; i++) {
    const value = bytes.readBigUInt64LE(HEADER_BYTES + i * 8);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: `bad range ${Math.floor(i / 2)} holds an impossible sector number` };
    pairs[i] = Number(value);
  }
  return { pairs };
}

/**
 * The first way the ranges contradict the snapshot, or null: they must be sorted, apart, not
 * empty, inside the source and each inside one extent (a capture reads nothing else).
 */
export function badRangesProblem(pairs: Float64Array, extents: readonly ExtentRecord[], sectorBytes: number, sourceBytes: number): string | null {
  let end = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const first = pairs[i] ?? 0;
    const count = pairs[i + 1] ?? 0;
    const name = `bad range ${i / 2} (sectors ${first}+${count})`;
    if (count <= 0 || first < end) return `${name} is empty or not after the one before it`;
    end = first + count;
    const startBytes = first * sectorBytes;
    const endBytes = end * sectorBytes;
    if (endBytes > sourceBytes) return `${name} lies past the end of the source`;
    if (!extents.some((e) => startBytes >= e.startBytes && endBytes <= e.startBytes + e.sizeBytes)) return `${name} lies outside every extent`;
  }
  return null;
}

/** Sectors the pairs cover in all. */
export function badSectorCount(pairs: Float64Array): number {
  let sectors = 0;
  for (let i = 1; i < pairs.length; i += 2) sectors += pairs[i] ?? 0;
  return sectors;
}
