/**
 * The used-block map of an ext2/3/4 filesystem, from its block bitmaps.
 *
 * The map is at block granularity (blockSizeBytes = the filesystem block size) for every ext
 * flavour. bigalloc bitmaps count clusters; each used cluster becomes its blocks (partclone 0.3.23
 * refuses bigalloc filesystems, so there is no partclone convention to follow; e2fsprogs' dumpe2fs
 * prints free space in blocks the same way).
 *
 * Memory: the BlockRanges being built (16 bytes a run), one descriptor batch (1 MiB) and one
 * bitmap read (BITMAP_READ_BYTES) at a time, whatever the filesystem's size.
 */
import { BlockRangesBuilder, type BlockRanges } from '../../core/block-ranges.js';
import type { ByteSource } from '../../core/byte-source.js';
import { LifeboatError } from '../../core/errors.js';
import type { FilesystemInfo, UsedBlockMap } from '../filesystem-types.js';
import { forEachSuperAndDescriptorRun } from './ext-backup-groups.js';
import { forEachDescriptorBatch, type GroupDescriptor } from './ext-group-descriptors.js';
import { readSuperblock, type ExtSuperblock } from './ext-superblock.js';

/** Bitmap blocks that sit next to each other (flex_bg packs them) are read together, up to 1 MiB. */
export const BITMAP_READ_BYTES = 1024 * 1024;

/**
 * Collects used allocation units (clusters; blocks when there is no bigalloc). Metadata given in
 * blocks widens to the clusters holding it, as the cluster bitmap itself does.
 */
class UnitCollector {
  readonly builder: BlockRangesBuilder;
  readonly unitCount: number;

  constructor(private readonly sb: ExtSuperblock) {
    this.unitCount = Math.floor((sb.blocksCount - 1) / sb.clusterRatio) + 1;
    this.builder = new BlockRangesBuilder(this.unitCount);
  }

  addBlocks = (start: number, count: number): void => {
    const ratio = this.sb.clusterRatio;
    const first = Math.floor(start / ratio);
    this.builder.add(first, Math.ceil((start + count) / ratio) - first);
  };

  /** The first unit group `group`'s bitmap describes, and how many bits of it are real (the last group is short). */
  bitmapSpan(group: number): { firstUnit: number; bits: number } {
    const firstUnit = Math.floor(this.sb.firstDataBlock / this.sb.clusterRatio) + group * this.sb.clustersPerGroup;
    return { firstUnit, bits: Math.min(this.sb.clustersPerGroup, this.unitCount - firstUnit) };
  }
}

async function readBitmaps(source: ByteSource, sb: ExtSuperblock, collector: UnitCollector, groups: GroupDescriptor[]): Promise<void> {
  const blockBytes = sb.blockSizeBytes;
  const maxBlocks = Math.max(1, Math.floor(BITMAP_READ_BYTES / blockBytes));
  let i = 0;
  while (i < groups.length) {
    const first = groups[i]!.blockBitmap;
    let count = 1;
    while (count < maxBlocks && i + count < groups.length && groups[i + count]!.blockBitmap === first + count) count++;
    const bytes = await source.readAt(first * blockBytes, count * blockBytes);
    for (let k = 0; k < count; k++) {
      const { firstUnit, bits } = collector.bitmapSpan(groups[i + k]!.group);
      if (bits > 0) collector.builder.addBitmap(bytes.subarray(k * blockBytes, k * blockBytes + Math.ceil(bits / 8)), firstUnit, bits);
    }
    i += count;
  }
}

/** Expands used clusters into used blocks, cutting the last cluster at the filesystem's end. */
function clustersToBlocks(sb: ExtSuperblock, clusters: BlockRanges): BlockRanges {
  const ratio = sb.clusterRatio;
  if (ratio === 1) return clusters;
  const blocks = new BlockRangesBuilder(sb.blocksCount);
  for (const { start, count } of clusters) {
    const startBlock = start * ratio;
    blocks.add(startBlock, Math.min(count * ratio, sb.blocksCount - startBlock));
  }
  return blocks.build();
}

/** Maps an ext filesystem whose superblock is already parsed. */
export async function mapExtSuperblock(source: ByteSource, sb: ExtSuperblock): Promise<UsedBlockMap> {
  const blockBytes = sb.blockSizeBytes;
  const sourceBlocks = Math.ceil(source.sizeBytes / blockBytes);
  if (sb.blocksCount * blockBytes > source.sizeBytes) {
    throw new LifeboatError(
      'TRUNCATED',
      `The ext filesystem says it holds ${sb.blocksCount} blocks of ${blockBytes} bytes (${sb.blocksCount * blockBytes} bytes), but the partition or image has only ${source.sizeBytes} bytes: it is truncated or the superblock is damaged. Copy the whole partition.`,
    );
  }
  const collector = new UnitCollector(sb);
  // Blocks before the first data block (the 1 KiB boot block) belong to no group but must be kept.
  if (sb.firstDataBlock > 0) collector.addBlocks(0, sb.firstDataBlock);

  await forEachDescriptorBatch(source, sb, async (batch) => {
    const withBitmap: GroupDescriptor[] = [];
    for (const descriptor of batch) {
      // A group's own tables are used wherever flex_bg put them. Bitmaps already say so for
      // written groups; adding them for every group also covers tables that sit inside a
      // BLOCK_UNINIT group, whose bitmap is never read.
      collector.addBlocks(descriptor.blockBitmap, 1);
      collector.addBlocks(descriptor.inodeBitmap, 1);
      collector.addBlocks(descriptor.inodeTable, sb.inodeTableBlocks);
      if (descriptor.blockUninit) {
        // Never written: only the superblock and descriptor copies it holds are in use.
        forEachSuperAndDescriptorRun(sb, descriptor.group, collector.addBlocks);
      } else {
        withBitmap.push(descriptor);
      }
    }
    await readBitmaps(source, sb, collector, withBitmap);
  });

  return { blockSizeBytes: blockBytes, totalBlocks: sourceBlocks, used: clustersToBlocks(sb, collector.builder.build()) };
}

/** The UsedBlockMapper for ext2, ext3 and ext4 (the superblock is read again: `info` only names it). */
export async function extUsedBlocks(source: ByteSource, info?: FilesystemInfo): Promise<UsedBlockMap> {
  const sb = await readSuperblock(source);
  if (sb === null) {
    throw new LifeboatError(
      'CORRUPT_FILESYSTEM',
      `The ${info?.type ?? 'ext'} superblock at byte 1024 is gone (no 0xEF53 magic); the partition changed since it was probed or is damaged. Copy the whole partition.`,
    );
  }
  return mapExtSuperblock(source, sb);
}
