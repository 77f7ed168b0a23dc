/**
 * ext group descriptors, read in bounded batches. A descriptor says where its group's block
 * bitmap, inode bitmap and inode table are (anywhere in the filesystem with flex_bg) and whether
 * the block bitmap was ever written (BLOCK_UNINIT).
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { LifeboatError } from '../../core/errors.js';
import { descriptorBlockLocation } from './ext-backup-groups.js';
import { descriptorChecksumValid } from './ext-checksums.js';
import { hasGroupChecksums, INCOMPAT_64BIT, superblockBlock, type ExtSuperblock } from './ext-superblock.js';

export const BG_INODE_UNINIT = 0x1;
export const BG_BLOCK_UNINIT = 0x2;

/** Descriptor bytes read at once: 1 MiB, at most 32 Ki descriptors alive, whatever the filesystem's size. */
export const DESCRIPTOR_BATCH_BYTES = 1024 * 1024;

export interface GroupDescriptor {
  group: number;
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: number;
  flags: number;
  /**
   * BLOCK_UNINIT that can be believed: the filesystem has descriptor checksums and this
   * descriptor's checksum is right. Otherwise the bitmap is read, as e2fsprogs does.
   */
  blockUninit: boolean;
}

function checkLocation(sb: ExtSuperblock, group: number, what: string, block: number, count: number): void {
  // Nothing but the boot block, superblock and descriptors may come before a group's tables, and
  // nothing may reach past the last block.
  if (block <= superblockBlock(sb) || block + count > sb.blocksCount) {
    throw new LifeboatError(
      'CORRUPT_FILESYSTEM',
      `Group descriptor ${group} of the ext filesystem puts its ${what} at block ${block}, outside blocks ${superblockBlock(sb) + 1} to ${sb.blocksCount - 1}; the descriptor table is damaged. Run e2fsck, or copy the whole partition.`,
    );
  }
}

function parseDescriptor(sb: ExtSuperblock, view: DataView, offset: number, group: number): GroupDescriptor {
  const wide = (sb.incompat & INCOMPAT_64BIT) !== 0;
  const field = (low: number, high: number): number => view.getUint32(offset + low, true) + (wide ? view.getUint32(offset + high, true) * 2 ** 32 : 0);
  const flags = view.getUint16(offset + 0x12, true);
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, sb.descSizeBytes);
  const descriptor = {
    group,
    blockBitmap: field(0x00, 0x20),
    inodeBitmap: field(0x04, 0x24),
    inodeTable: field(0x08, 0x28),
    flags,
    blockUninit: (flags & BG_BLOCK_UNINIT) !== 0 && hasGroupChecksums(sb) && descriptorChecksumValid(sb, group, bytes),
  };
  checkLocation(sb, group, 'block bitmap', descriptor.blockBitmap, 1);
  checkLocation(sb, group, 'inode bitmap', descriptor.inodeBitmap, 1);
  checkLocation(sb, group, 'inode table', descriptor.inodeTable, sb.inodeTableBlocks);
  return descriptor;
}

/**
 * Calls `visit` with consecutive batches of descriptors covering every group once, in order.
 * Descriptor blocks that lie next to each other are read together (the whole table without
 * meta_bg); meta_bg spreads them, one block per meta group.
 */
export async function forEachDescriptorBatch(source: ByteSource, sb: ExtSuperblock, visit: (batch: GroupDescriptor[]) => Promise<void>): Promise<void> {
  const blockBytes = sb.blockSizeBytes;
  const maxBlocksPerRead = Math.max(1, Math.floor(DESCRIPTOR_BATCH_BYTES / blockBytes));
  let index = 0;
  // Bounded by descBlocks, which parseSuperblock bounded through MAX_GROUPS.
  while (index < sb.descBlocks) {
    const first = descriptorBlockLocation(sb, index);
    let count = 1;
    while (count < maxBlocksPerRead && index + count < sb.descBlocks && descriptorBlockLocation(sb, index + count) === first + count) count++;
    if (first + count > sb.blocksCount) {
      throw new LifeboatError(
        'CORRUPT_FILESYSTEM',
        `The ext group descriptor table (block ${first}) lies past the end of the filesystem (${sb.blocksCount} blocks); the superblock is damaged. Copy the whole partition.`,
      );
    }
    const bytes = await source.readAt(first * blockBytes, count * blockBytes);
    const view = dataView(bytes);
    const batch: GroupDescriptor[] = [];
    const firstGroup = index * sb.descPerBlock;
    const groups = Math.min(count * sb.descPerBlock, sb.groupCount - firstGroup);
    for (let i = 0; i < groups; i++) batch.push(parseDescriptor(sb, view, i * sb.descSizeBytes, firstGroup + i));
    await visit(batch);
    index += count;
  }
}
