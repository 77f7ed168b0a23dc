import { describe, expect, it } from 'vitest';
import { BlockRangesBuilder } from '../../../recovery/core/block-ranges.js';
import { isLifeboatError } from '../../../recovery/core/errors.js';

function bitmapOf(bits: string): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') bytes[i >> 3]! |= 1 << (i & 7);
  return bytes;
}

describe('used-block runs', () => {
  it('merges touching and overlapping runs added out of order and counts each block once', () => {
    const builder = new BlockRangesBuilder(1000);
    builder.add(10, 5);
    builder.add(0, 3);
    builder.add(3, 2);
    builder.add(12, 10);
    builder.add(100, 1);
    const ranges = builder.build();
    expect(ranges.toJSON()).toEqual([
      [0, 5],
      [10, 12],
      [100, 1],
    ]);
    expect(ranges.totalBlocks).toBe(18);
    expect(ranges.has(21)).toBe(true);
    expect(ranges.has(22)).toBe(false);
    expect(ranges.has(5)).toBe(false);
  });

  it('reads an LSB-first bitmap bit for bit, across whole 0x00 and 0xFF bytes', () => {
    const pattern = `1100000011111111111111110000000000000000101${'1'.repeat(21)}`;
    const builder = new BlockRangesBuilder(1000);
    builder.addBitmap(bitmapOf(pattern), 100, pattern.length);
    const expected: Array<[number, number]> = [];
    for (let i = 0; i < pattern.length; i++) {
      if (pattern[i] !== '1') continue;
      const last = expected.at(-1);
      if (last && last[0] + last[1] === 100 + i) last[1]++;
      else expected.push([100 + i, 1]);
    }
    expect(builder.build().toJSON()).toEqual(expected);
  });

  it('refuses blocks outside the filesystem and more runs than its bound, with our error', () => {
    expect(() => new BlockRangesBuilder(10).add(8, 3)).toThrow(/only 10 blocks/);
    const small = new BlockRangesBuilder(10_000, 100);
    let thrown: unknown;
    try {
      for (let i = 0; i < 300; i++) small.add(i * 2, 1);
    } catch (error) {
      thrown = error;
    }
    expect(isLifeboatError(thrown) && thrown.code).toBe('LIMIT_EXCEEDED');
  });
});
