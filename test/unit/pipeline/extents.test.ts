import { describe, expect, it } from 'vitest';
import { BlockRangesBuilder } from '../../../recovery/core/block-ranges.js';
import { readSpans, usedChunks, usedSectorRanges } from '../../../recovery/pipeline/extents.js';

function map(blockSizeBytes: number, totalBlocks: number, runs: Array<[number, number]>) {
  const builder = new BlockRangesBuilder(totalBlocks);
  for (const [start, count] of runs) builder.add(start, count);
  return { blockSizeBytes, totalBlocks, used: builder.build() };
}

describe('used ranges in sectors', () => {
  it('rounds 4 KiB blocks to 512-byte sectors exactly and merges touching runs', () => {
    const ranges = usedSectorRanges(
      map(4096, 100, [
        [0, 2],
        [2, 3],
        [10, 1],
      ]),
      100 * 4096,
      512,
    );
    expect(Array.from(ranges)).toEqual([0, 40, 80, 8]);
  });

  it('rounds 512-byte clusters out to 4096-byte sectors and cuts at the extent end', () => {
    const ranges = usedSectorRanges(
      map(512, 64, [
        [1, 1],
        [9, 1],
        [60, 4],
      ]),
      30 * 512,
      4096,
    );
    // Blocks 1 and 9 fall in sectors 0 and 1 (merged); blocks 60-63 lie past the 15 KiB extent.
    expect(Array.from(ranges)).toEqual([0, 2]);
  });
});

describe('chunks of an extent', () => {
  it('yields only chunks with used bytes, with the pieces inside each', () => {
    const sector = 512;
    const chunk = 64 * 1024;
    // Used: bytes 0-1023, 60 KiB-72 KiB (crosses the first chunk boundary), and 200 KiB-201 KiB.
    const ranges = Float64Array.from([0, 2, 120, 24, 400, 2]);
    const slices = [...usedChunks(ranges, 256 * 1024, chunk, sector)];
    expect(slices.map((s) => s.index)).toEqual([0, 1, 3]);
    expect(slices[0]?.pieces).toEqual([
      { offsetBytes: 0, lengthBytes: 1024 },
      { offsetBytes: 61440, lengthBytes: 4096 },
    ]);
    expect(slices[1]?.pieces).toEqual([{ offsetBytes: 65536, lengthBytes: 8192 }]);
    expect(slices[2]).toMatchObject({ offsetBytes: 196608, lengthBytes: 65536, usedBytes: 1024 });
  });

  it('gives the last chunk of an extent its real, shorter length', () => {
    const slices = [...usedChunks(Float64Array.from([0, 300]), 300 * 512, 64 * 1024, 512)];
    expect(slices.map((s) => s.lengthBytes)).toEqual([65536, 65536, 300 * 512 - 131072]);
  });

  it('joins reads across small holes but not across large ones', () => {
    const spans = readSpans([
      { offsetBytes: 0, lengthBytes: 512 },
      { offsetBytes: 4096, lengthBytes: 512 },
      { offsetBytes: 10 * 1024 * 1024, lengthBytes: 512 },
    ]);
    expect(spans).toEqual([
      { offsetBytes: 0, lengthBytes: 4608 },
      { offsetBytes: 10 * 1024 * 1024, lengthBytes: 512 },
    ]);
  });
});
