import { BlockRangesBuilder } from '../core/block-ranges.js';
import type { UsedBlockMap } from './filesystem-types.js';

/** Granularity for partitions copied whole: 4 KiB, the smallest block any modern disk writes. */
const WHOLE_BLOCK_BYTES = 4096;

/** Every block of the first `usedBytes` of a partition of `sizeBytes` (all of it by default). */
export function leadingBytesMap(sizeBytes: number, usedBytes = sizeBytes, blockSizeBytes = WHOLE_BLOCK_BYTES): UsedBlockMap {
  const totalBlocks = Math.ceil(sizeBytes / blockSizeBytes);
  const builder = new BlockRangesBuilder(totalBlocks);
  builder.add(0, Math.min(totalBlocks, Math.ceil(usedBytes / blockSizeBytes)));
  return { blockSizeBytes, totalBlocks, used: builder.build() };
}
