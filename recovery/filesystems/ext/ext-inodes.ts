/**
 * ext inodes and the blocks they own: the extent tree (ext4) or the classic block map with
 * indirect blocks (ext2/3), walked through a ByteSource. Every block number is checked against
 * the filesystem before it is read, the extent tree's depth must fall by one at each level, and
 * a shared read budget stops a hostile tree that points at the same blocks again and again.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { LifeboatError } from '../../core/errors.js';
import type { ExtSuperblock } from './ext-superblock.js';

export const S_IFMT = 0xf000;
export const S_IFDIR = 0x4000;
export const S_IFREG = 0x8000;
export const S_IFLNK = 0xa000;
const EXTENTS_FL = 0x80000;
export const INLINE_DATA_FL = 0x10000000;
const EXTENT_MAGIC = 0xf30a;
/** The kernel's own limit on extent-tree depth. */
const MAX_EXTENT_DEPTH = 5;
/** ee_len above this marks an unwritten (preallocated) extent of ee_len - 32768 blocks. */
const UNWRITTEN_LENGTH = 32768;
const I_BLOCK_OFFSET = 0x28;
const I_BLOCK_BYTES = 60;

export interface ExtInode {
  number: number;
  mode: number;
  linksCount: number;
  sizeBytes: number;
  flags: number;
  /** The 60 bytes of i_block: extent root, block pointers, inline data or a short symlink. */
  iBlock: Uint8Array;
  /** The extended-attribute block, or 0. */
  xattrBlock: number;
}

/** A stretch of an inode's blocks. `logicalBlock` is null for blocks that map others (tree or indirect blocks). */
export interface InodeRun {
  logicalBlock: number | null;
  physicalBlock: number;
  count: number;
}

export function parseInode(bytes: Uint8Array, number: number): ExtInode {
  const view = dataView(bytes);
  const sizeHigh = bytes.length >= 0x70 ? view.getUint32(0x6c, true) : 0;
  return {
    number,
    mode: view.getUint16(0x00, true),
    linksCount: view.getUint16(0x1a, true),
    sizeBytes: view.getUint32(0x04, true) + sizeHigh * 2 ** 32,
    flags: view.getUint32(0x20, true),
    iBlock: bytes.slice(I_BLOCK_OFFSET, I_BLOCK_OFFSET + I_BLOCK_BYTES),
    xattrBlock: view.getUint32(0x68, true) + (bytes.length >= 0x78 ? view.getUint16(0x76, true) * 2 ** 32 : 0),
  };
}

/** Counts block reads against a bound: a sound filesystem never needs more than it has blocks. */
export class ReadBudget {
  private left: number;

  constructor(readonly limit: number) {
    this.left = limit;
  }

  spend(what: string): void {
    if (--this.left < 0) {
      throw new LifeboatError(
        'LIMIT_EXCEEDED',
        `ext: naming the owners of unreadable blocks needed more than ${this.limit} block reads (at ${what}); the filesystem's trees are damaged or hostile.`,
      );
    }
  }
}

export interface InodeWalk {
  source: ByteSource;
  sb: ExtSuperblock;
  budget: ReadBudget;
}

/** Where inode `number`'s record lies, given its group's inode table block. */
export function inodeOffsetBytes(sb: ExtSuperblock, inodeTableBlock: number, number: number): number {
  return inodeTableBlock * sb.blockSizeBytes + ((number - 1) % sb.inodesPerGroup) * sb.inodeSizeBytes;
}

/** True when the inode keeps its bytes in i_block itself, owning no data block. */
export function holdsNoBlocks(inode: ExtInode): boolean {
  if (inode.flags & INLINE_DATA_FL) return true;
  const type = inode.mode & S_IFMT;
  // A fast symlink keeps its target in i_block; a slow one (60 bytes or more) has blocks.
  if (type === S_IFLNK && !(inode.flags & EXTENTS_FL) && inode.sizeBytes < I_BLOCK_BYTES) return true;
  // Device nodes, FIFOs and sockets have no data at all.
  return type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK;
}

/** Calls `visit` for every run of blocks the inode owns, data in logical order and mapping blocks as met. */
export async function forEachInodeRun(walk: InodeWalk, inode: ExtInode, visit: (run: InodeRun) => void): Promise<void> {
  if (holdsNoBlocks(inode)) return;
  if (inode.flags & EXTENTS_FL) await walkExtentNode(walk, inode, inode.iBlock, -1, visit);
  else await walkBlockMap(walk, inode, visit);
}

function validBlock(sb: ExtSuperblock, block: number, count = 1): boolean {
  return block > 0 && count > 0 && block + count <= sb.blocksCount;
}

async function readBlock(walk: InodeWalk, block: number, what: string): Promise<Uint8Array> {
  walk.budget.spend(what);
  return walk.source.readAt(block * walk.sb.blockSizeBytes, walk.sb.blockSizeBytes);
}

/** `expectedDepth` is -1 at the root (any depth up to the limit); below it, one less than the parent. */
async function walkExtentNode(walk: InodeWalk, inode: ExtInode, node: Uint8Array, expectedDepth: number, visit: (run: InodeRun) => void): Promise<void> {
  const view = dataView(node);
  if (node.length < 12 || view.getUint16(0, true) !== EXTENT_MAGIC) return;
  const entries = view.getUint16(2, true);
  const depth = view.getUint16(6, true);
  if (depth > MAX_EXTENT_DEPTH || (expectedDepth >= 0 && depth !== expectedDepth) || 12 + entries * 12 > node.length) return;
  for (let i = 0; i < entries; i++) {
    const at = 12 + i * 12;
    if (depth === 0) {
      const logicalBlock = view.getUint32(at, true);
      const rawLength = view.getUint16(at + 4, true);
      const count = rawLength > UNWRITTEN_LENGTH ? rawLength - UNWRITTEN_LENGTH : rawLength;
      const physicalBlock = view.getUint16(at + 6, true) * 2 ** 32 + view.getUint32(at + 8, true);
      if (validBlock(walk.sb, physicalBlock, count)) visit({ logicalBlock, physicalBlock, count });
    } else {
      const child = view.getUint32(at + 4, true) + view.getUint16(at + 8, true) * 2 ** 32;
      if (!validBlock(walk.sb, child)) continue;
      visit({ logicalBlock: null, physicalBlock: child, count: 1 });
      await walkExtentNode(walk, inode, await readBlock(walk, child, `inode ${inode.number}'s extent tree`), depth - 1, visit);
    }
  }
}

/** The classic map: 12 direct pointers, then single, double and triple indirect blocks. */
async function walkBlockMap(walk: InodeWalk, inode: ExtInode, visit: (run: InodeRun) => void): Promise<void> {
  const pointers = dataView(inode.iBlock);
  const perBlock = walk.sb.blockSizeBytes / 4;
  for (let i = 0; i < 12; i++) {
    const block = pointers.getUint32(i * 4, true);
    if (validBlock(walk.sb, block)) visit({ logicalBlock: i, physicalBlock: block, count: 1 });
  }
  let firstLogical = 12;
  for (let level = 1; level <= 3; level++) {
    const block = pointers.getUint32((11 + level) * 4, true);
    if (validBlock(walk.sb, block)) await walkIndirect(walk, inode, block, level, firstLogical, visit);
    firstLogical += perBlock ** level;
  }
}

async function walkIndirect(
  walk: InodeWalk,
  inode: ExtInode,
  block: number,
  level: number,
  firstLogical: number,
  visit: (run: InodeRun) => void,
): Promise<void> {
  visit({ logicalBlock: null, physicalBlock: block, count: 1 });
  const view = dataView(await readBlock(walk, block, `inode ${inode.number}'s indirect blocks`));
  const perBlock = walk.sb.blockSizeBytes / 4;
  const span = perBlock ** (level - 1);
  for (let i = 0; i < perBlock; i++) {
    const child = view.getUint32(i * 4, true);
    if (!validBlock(walk.sb, child)) continue;
    if (level === 1) visit({ logicalBlock: firstLogical + i, physicalBlock: child, count: 1 });
    else await walkIndirect(walk, inode, child, level - 1, firstLogical + i * span, visit);
  }
}
