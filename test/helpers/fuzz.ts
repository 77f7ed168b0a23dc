import { expect } from 'vitest';
import { bufferSource, type ByteSource } from '../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../recovery/core/errors.js';

import { seededRandom } from './seeded-random.js';

export { seededRandom };

const BOUNDARY_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/**
 * A copy of `original` with a few hostile edits inside `[from, to)`: flipped bits, bytes set to
 * 0x00/0xFF/random, 32-bit fields set to boundary values (0, 1, 0x7FFFFFFF, 0xFFFFFFFF...), and
 * sometimes the whole thing truncated.
 */
export function mutate(original: Uint8Array, random: () => number, from = 0, to = original.length): Uint8Array {
  // A real copy: Buffer#slice would share memory and let damage build up in the original.
  let bytes = Uint8Array.prototype.slice.call(original);
  const span = Math.max(1, to - from);
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const at = from + Math.floor(random() * span);
    const kind = random();
    if (kind < 0.3) bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(random() * 8));
    else if (kind < 0.5) bytes[at] = random() < 0.5 ? 0 : 0xff;
    else if (kind < 0.65) bytes[at] = Math.floor(random() * 256);
    else if (at + 4 <= bytes.length) {
      const value = BOUNDARY_U32[Math.floor(random() * BOUNDARY_U32.length)] ?? 0;
      new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at & ~3, value >>> 0, true);
    }
  }
  if (random() < 0.1) bytes = bytes.slice(0, Math.floor(random() * bytes.length));
  return bytes;
}

/** A source that counts what a parser reads, to check it stays within a stated bound. */
export interface CountingSource extends ByteSource {
  readonly bytesRead: number;
  readonly reads: number;
}

/** Past `bounds`, reads throw a plain Error, so a parser looping on reads stops at once and is reported. */
export function countingSource(source: ByteSource, bounds = { maxReads: Infinity, maxBytesRead: Infinity }): CountingSource {
  let bytesRead = 0;
  let reads = 0;
  return {
    sizeBytes: source.sizeBytes,
    get bytesRead() {
      return bytesRead;
    },
    get reads() {
      return reads;
    },
    readAt(offsetBytes, lengthBytes) {
      reads++;
      bytesRead += lengthBytes;
      if (reads > bounds.maxReads || bytesRead > bounds.maxBytesRead) {
        return Promise.reject(
          new Error(`read bound passed: ${bytesRead} bytes in ${reads} reads (bound ${bounds.maxBytesRead} bytes, ${bounds.maxReads} reads)`),
        );
      }
      return source.readAt(offsetBytes, lengthBytes);
    },
  };
}

/**
 * Runs `parse` on `iterations` mutations of `original` and checks the promises every parser
 * makes on hostile input: it answers or throws a LifeboatError (never a TypeError or RangeError),
 * it finishes within `maxReads` reads and `maxBytesRead` bytes (so no endless loop and no
 * unbounded allocation driven by a hostile length). Returns how many mutations parsed cleanly,
 * so a caller can check the fuzzer reached past the magic checks.
 */
export async function fuzzParser(options: {
  original: Uint8Array;
  seed: number;
  iterations: number;
  parse: (source: ByteSource) => Promise<unknown>;
  maxReads: number;
  maxBytesRead: number;
  /** Where mutations land (the metadata area); default the whole input. */
  from?: number;
  to?: number;
}): Promise<{ accepted: number; rejected: number }> {
  const random = seededRandom(options.seed);
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < options.iterations; i++) {
    const input = mutate(options.original, random, options.from, options.to);
    const source = countingSource(bufferSource(input), options);
    try {
      await options.parse(source);
      accepted++;
    } catch (error) {
      if (!isLifeboatError(error)) {
        throw new Error(`iteration ${i} (seed ${options.seed}) threw a non-Lifeboat error: ${String(error)}`, { cause: error });
      }
      expect(error.message.length).toBeGreaterThan(20);
      rejected++;
    }
  }
  return { accepted, rejected };
}
