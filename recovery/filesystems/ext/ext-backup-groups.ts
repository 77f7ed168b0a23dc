/**
 * Where ext keeps copies of its superblock and group descriptors. These blocks are metadata a
 * BLOCK_UNINIT group's (unwritten) bitmap would mark, so a used-block map has to add them itself.
 * The rules follow e2fsprogs' ext2fs_bg_has_super, ext2fs_super_and_bgd_loc2 and
 * ext2fs_descriptor_block_loc2, which is what mke2fs, e2fsck and the kernel agree on.
 */
import { COMPAT_SPARSE_SUPER2, INCOMPAT_META_BG, RO_COMPAT_SPARSE_SUPER, superblockBlock, type ExtSuperblock } from './ext-superblock.js';

/** True when `power` is 1, base, base^2... (only odd groups reach here, so small loops). */
function isPowerOf(group: number, base: number): boolean {
  let value = 1;
  while (value < group) value *= base;
  return value === group;
}

/** Whether `group` holds a superblock (primary in group 0, else a backup). */
export function hasSuperblock(sb: ExtSuperblock, group: number): boolean {
  if (group === 0) return true;
  if (sb.compat & COMPAT_SPARSE_SUPER2) return group === sb.backupGroups[0] || group === sb.backupGroups[1];
  if (group === 1 || !(sb.roCompat & RO_COMPAT_SPARSE_SUPER)) return true;
  if (group % 2 === 0) return false;
  return isPowerOf(group, 3) || isPowerOf(group, 5) || isPowerOf(group, 7);
}

/**
 * First block of a group as the layout code sees it. Group 0 with 1 KiB blocks starts at block 1
 * even when bigalloc sets the first data block to 0, because block 0 is the boot block.
 */
export function groupFirstBlock(sb: ExtSuperblock, group: number): number {
  const first = sb.firstDataBlock + group * sb.blocksPerGroup;
  return first === 0 && sb.blockSizeBytes === 1024 ? 1 : first;
}

function isMetaBg(sb: ExtSuperblock): boolean {
  return (sb.incompat & INCOMPAT_META_BG) !== 0;
}

/** The block holding descriptor block `index` of the primary table. */
export function descriptorBlockLocation(sb: ExtSuperblock, index: number): number {
  if (!isMetaBg(sb) || index < sb.firstMetaBg) return superblockBlock(sb) + 1 + index;
  // meta_bg: descriptor block i describes meta group i and lives in its first group, after the
  // superblock backup when that group has one.
  const group = index * sb.descPerBlock;
  return groupFirstBlock(sb, group) + (hasSuperblock(sb, group) ? 1 : 0);
}

/**
 * Calls `add(start, count)` for the superblock, descriptor and reserved-descriptor blocks that
 * `group` holds, clamped to the filesystem's end (a short last group may cut them).
 */
export function forEachSuperAndDescriptorRun(sb: ExtSuperblock, group: number, add: (start: number, count: number) => void): void {
  const first = groupFirstBlock(sb, group);
  const withSuper = hasSuperblock(sb, group);
  const clampAdd = (start: number, count: number): void => {
    const end = Math.min(start + count, sb.blocksCount);
    if (end > start) add(start, end - start);
  };
  if (withSuper) clampAdd(first, 1);
  // Block 0 of a 1 KiB bigalloc filesystem lies before group 0's first block but is reserved.
  if (group === 0 && first > 0) clampAdd(0, first);

  const metaGroup = Math.floor(group / sb.descPerBlock);
  if (!isMetaBg(sb) || metaGroup < sb.firstMetaBg) {
    if (withSuper) {
      // Old-style table: all descriptor blocks (only those before meta_bg starts when meta_bg is
      // on) plus the blocks reserved for online growth, which meta_bg filesystems do not use.
      const oldBlocks = isMetaBg(sb) ? sb.firstMetaBg : sb.descBlocks + sb.reservedGdtBlocks;
      clampAdd(first + 1, oldBlocks);
    }
    return;
  }
  const indexInMeta = group % sb.descPerBlock;
  if (indexInMeta === 0 || indexInMeta === 1 || indexInMeta === sb.descPerBlock - 1) {
    clampAdd(first + (withSuper ? 1 : 0), 1);
  }
}
