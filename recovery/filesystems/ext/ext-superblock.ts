/**
 * The ext2/3/4 superblock: the geometry every other ext reader derives from. Everything a hostile
 * superblock could use to make us loop, allocate or read without bound is checked here once, so
 * the descriptor and bitmap readers can trust the numbers they are given.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, fixedText, isAllZero, uuidText } from '../../core/bytes.js';
import { LifeboatError } from '../../core/errors.js';

export const SUPERBLOCK_OFFSET_BYTES = 1024;
export const SUPERBLOCK_SIZE_BYTES = 1024;
export const EXT_MAGIC = 0xef53;
export const MAGIC_OFFSET_BYTES = SUPERBLOCK_OFFSET_BYTES + 0x38;

/** Feature bits Lifeboat looks at (names as e2fsprogs spells them). */
export const COMPAT_HAS_JOURNAL = 0x4;
export const COMPAT_SPARSE_SUPER2 = 0x200;
export const INCOMPAT_FILETYPE = 0x2;
export const INCOMPAT_RECOVER = 0x4;
export const INCOMPAT_JOURNAL_DEV = 0x8;
export const INCOMPAT_META_BG = 0x10;
export const INCOMPAT_64BIT = 0x80;
export const INCOMPAT_CSUM_SEED = 0x2000;
export const RO_COMPAT_SPARSE_SUPER = 0x1;
export const RO_COMPAT_LARGE_FILE = 0x2;
export const RO_COMPAT_BTREE_DIR = 0x4;
export const RO_COMPAT_GDT_CSUM = 0x10;
export const RO_COMPAT_BIGALLOC = 0x200;
export const RO_COMPAT_METADATA_CSUM = 0x400;

export const STATE_VALID = 0x1;
export const STATE_ERROR = 0x2;

/** Blocks are 1 KiB to 64 KiB (log 0..6), as the kernel accepts. */
const MAX_LOG_BLOCK_SIZE = 6;
/** e2fsprogs' largest cluster: 2^29 bytes (stored as log - 10). */
const MAX_LOG_CLUSTER_SIZE = 19;
/**
 * At most 16 Mi block groups: 2 PiB at 4 KiB blocks. Beyond that a superblock is treated as
 * hostile; the descriptor loop is bounded by this count.
 */
export const MAX_GROUPS = 1 << 24;

export interface ExtSuperblock {
  blockSizeBytes: number;
  /** Blocks per allocation unit: 1, or the bigalloc cluster ratio. */
  clusterRatio: number;
  blocksCount: number;
  freeBlocksCount: number;
  firstDataBlock: number;
  blocksPerGroup: number;
  /** Bits in one group's block bitmap (= blocks per group unless bigalloc). */
  clustersPerGroup: number;
  groupCount: number;
  inodesPerGroup: number;
  inodeSizeBytes: number;
  /** Blocks one group's inode table occupies. */
  inodeTableBlocks: number;
  descSizeBytes: number;
  /** Group descriptors in one block. */
  descPerBlock: number;
  /** Blocks the whole descriptor table occupies. */
  descBlocks: number;
  reservedGdtBlocks: number;
  /** Clamped to descBlocks, as e2fsprogs does, so a hostile value cannot move tables out of reach. */
  firstMetaBg: number;
  /** sparse_super2's two backup groups (0 = none). */
  backupGroups: [number, number];
  compat: number;
  incompat: number;
  roCompat: number;
  state: number;
  revLevel: number;
  minorRevLevel: number;
  label: string | null;
  uuid: string | null;
  uuidBytes: Uint8Array;
  /** s_checksum_seed, meaningful only with the csum_seed feature. */
  checksumSeed: number;
}

function corruptThrow(what: string): never {
  throw new LifeboatError(
    'CORRUPT_FILESYSTEM',
    `The ext superblock at byte ${SUPERBLOCK_OFFSET_BYTES} ${what}; the filesystem is damaged. Run e2fsck on it, or copy the whole partition.`,
    { details: { offsetBytes: SUPERBLOCK_OFFSET_BYTES } },
  );
}

/** True when the ext magic number sits at its place (a cheap first test, no validation). */
export function hasExtMagic(bytes: Uint8Array): boolean {
  const at = 0x38;
  return bytes.length >= at + 2 && (bytes[at] ?? 0) + ((bytes[at + 1] ?? 0) << 8) === EXT_MAGIC;
}

/**
 * The superblock's 1024 bytes, or null when the source is too short to hold the magic. A source
 * that holds the magic but not the rest is a cut-off ext filesystem: TRUNCATED, not "not ext".
 */
export async function readSuperblockBytes(source: ByteSource): Promise<Uint8Array | null> {
  if (source.sizeBytes < MAGIC_OFFSET_BYTES + 2) return null;
  if (source.sizeBytes >= SUPERBLOCK_OFFSET_BYTES + SUPERBLOCK_SIZE_BYTES) return source.readAt(SUPERBLOCK_OFFSET_BYTES, SUPERBLOCK_SIZE_BYTES);
  const partial = await source.readAt(SUPERBLOCK_OFFSET_BYTES, source.sizeBytes - SUPERBLOCK_OFFSET_BYTES);
  if (!hasExtMagic(partial)) return null;
  throw new LifeboatError(
    'TRUNCATED',
    `The ext superblock at byte ${SUPERBLOCK_OFFSET_BYTES} is cut off: the partition or image ends at byte ${source.sizeBytes}, before the superblock's end at byte ${SUPERBLOCK_OFFSET_BYTES + SUPERBLOCK_SIZE_BYTES}. Image the whole partition again.`,
    { details: { offsetBytes: SUPERBLOCK_OFFSET_BYTES } },
  );
}

/**
 * Parses and validates a 1024-byte superblock. Returns null when it is not ext (magic) or is an
 * external journal device (blkid calls that "jbd"; it holds no files).
 */
export function parseSuperblock(bytes: Uint8Array): ExtSuperblock | null {
  if (bytes.length < SUPERBLOCK_SIZE_BYTES || !hasExtMagic(bytes)) return null;
  const view = dataView(bytes);
  const u32 = (offset: number): number => view.getUint32(offset, true);
  const u16 = (offset: number): number => view.getUint16(offset, true);

  const compat = u32(0x5c);
  const incompat = u32(0x60);
  const roCompat = u32(0x64);
  if (incompat & INCOMPAT_JOURNAL_DEV) return null;
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;

  const logBlockSize = u32(0x18);
  if (logBlockSize > MAX_LOG_BLOCK_SIZE) corruptThrow(`gives a block size of 2^(10+${logBlockSize}) bytes (at most 64 KiB is possible)`);
  const blockSizeBytes = 1024 << logBlockSize;

  let clusterRatio = 1;
  if (roCompat & RO_COMPAT_BIGALLOC) {
    const logClusterSize = u32(0x1c);
    if (logClusterSize > MAX_LOG_CLUSTER_SIZE || logClusterSize < logBlockSize) {
      corruptThrow(`gives a bigalloc cluster size of 2^(10+${logClusterSize}) bytes for ${blockSizeBytes}-byte blocks`);
    }
    clusterRatio = 2 ** (logClusterSize - logBlockSize);
  }

  const blocksCount = u32(0x04) + (is64 ? u32(0x150) * 2 ** 32 : 0);
  const freeBlocksCount = u32(0x0c) + (is64 ? u32(0x158) * 2 ** 32 : 0);
  const firstDataBlock = u32(0x14);
  const blocksPerGroup = u32(0x20);
  const clustersPerGroup = clusterRatio === 1 ? blocksPerGroup : u32(0x24);
  const maxBitsPerGroup = blockSizeBytes * 8;

  if (!Number.isSafeInteger(blocksCount) || blocksCount === 0) corruptThrow(`says the filesystem has ${blocksCount} blocks`);
  if (freeBlocksCount > blocksCount) corruptThrow(`counts ${freeBlocksCount} free blocks out of ${blocksCount}`);
  if (firstDataBlock >= blocksCount) corruptThrow(`puts the first data block (${firstDataBlock}) past the last block (${blocksCount - 1})`);
  if (clustersPerGroup === 0 || clustersPerGroup > maxBitsPerGroup) {
    corruptThrow(`gives ${clustersPerGroup} ${clusterRatio === 1 ? 'blocks' : 'clusters'} per group (1 to ${maxBitsPerGroup} fit a bitmap block)`);
  }
  if (clustersPerGroup * clusterRatio !== blocksPerGroup) {
    corruptThrow(`gives ${blocksPerGroup} blocks per group, which is not ${clustersPerGroup} clusters of ${clusterRatio} blocks`);
  }

  const groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  if (groupCount > MAX_GROUPS) {
    throw new LifeboatError(
      'LIMIT_EXCEEDED',
      `The ext superblock describes ${groupCount} block groups; Lifeboat reads at most ${MAX_GROUPS}, so the superblock is damaged or hostile. Copy the whole partition instead.`,
      { details: { offsetBytes: SUPERBLOCK_OFFSET_BYTES } },
    );
  }

  // Sizes in bytes must stay exact numbers (8 PiB); ext4 itself stops at 1 EiB, no disk is near either.
  if (blocksCount * blockSizeBytes > Number.MAX_SAFE_INTEGER) {
    throw new LifeboatError(
      'LIMIT_EXCEEDED',
      `The ext superblock describes ${blocksCount} blocks of ${blockSizeBytes} bytes, more than the ${Number.MAX_SAFE_INTEGER} bytes Lifeboat can count exactly; the superblock is damaged or hostile. Copy the whole partition instead.`,
      { details: { offsetBytes: SUPERBLOCK_OFFSET_BYTES } },
    );
  }

  const revLevel = u32(0x4c);
  const inodeSizeBytes = revLevel === 0 ? 128 : u16(0x58);
  if (inodeSizeBytes < 128 || inodeSizeBytes > blockSizeBytes || (inodeSizeBytes & (inodeSizeBytes - 1)) !== 0) {
    corruptThrow(`gives an inode size of ${inodeSizeBytes} bytes (a power of two from 128 to the block size is required)`);
  }
  const inodesPerGroup = u32(0x28);
  if (inodesPerGroup === 0 || inodesPerGroup > maxBitsPerGroup) corruptThrow(`gives ${inodesPerGroup} inodes per group`);
  // e2fsprogs' own consistency check: the inode count must be exactly groups x inodes per group.
  // It catches a damaged block count or group size before we walk a wrong number of groups.
  const inodesCount = u32(0x00);
  if (groupCount * inodesPerGroup !== inodesCount) {
    corruptThrow(`counts ${inodesCount} inodes, but ${groupCount} groups of ${inodesPerGroup} inodes make ${groupCount * inodesPerGroup}`);
  }

  let descSizeBytes = 32;
  if (is64) {
    descSizeBytes = u16(0xfe);
    if (descSizeBytes < 64 || descSizeBytes > 1024 || descSizeBytes > blockSizeBytes || (descSizeBytes & (descSizeBytes - 1)) !== 0) {
      corruptThrow(`gives a group descriptor size of ${descSizeBytes} bytes (64bit filesystems need a power of two from 64 to 1024)`);
    }
  }
  const descPerBlock = blockSizeBytes / descSizeBytes;
  const descBlocks = Math.ceil(groupCount / descPerBlock);

  const reservedGdtBlocks = u16(0xce);
  if (reservedGdtBlocks > blockSizeBytes / 4) corruptThrow(`reserves ${reservedGdtBlocks} descriptor blocks for growth (at most ${blockSizeBytes / 4})`);

  const firstMetaBg = incompat & INCOMPAT_META_BG ? Math.min(u32(0x104), descBlocks) : descBlocks;
  const volumeName = bytes.subarray(0x78, 0x88);
  const uuidBytes = bytes.subarray(0x68, 0x78);

  return {
    blockSizeBytes,
    clusterRatio,
    blocksCount,
    freeBlocksCount,
    firstDataBlock,
    blocksPerGroup,
    clustersPerGroup,
    groupCount,
    inodesPerGroup,
    inodeSizeBytes,
    inodeTableBlocks: Math.ceil((inodesPerGroup * inodeSizeBytes) / blockSizeBytes),
    descSizeBytes,
    descPerBlock,
    descBlocks,
    reservedGdtBlocks,
    firstMetaBg,
    backupGroups: [u32(0x24c), u32(0x250)],
    compat,
    incompat,
    roCompat,
    state: u16(0x3a),
    revLevel,
    minorRevLevel: u16(0x3e),
    label: fixedText(volumeName) || null,
    uuid: isAllZero(uuidBytes) ? null : uuidText(uuidBytes),
    uuidBytes: uuidBytes.slice(),
    checksumSeed: u32(0x270),
  };
}

/** Reads the superblock of `source`; null when it is not an ext filesystem. */
export async function readSuperblock(source: ByteSource): Promise<ExtSuperblock | null> {
  const bytes = await readSuperblockBytes(source);
  return bytes === null ? null : parseSuperblock(bytes);
}

/** The block holding the primary superblock: 1 with 1 KiB blocks, else 0. */
export function superblockBlock(sb: ExtSuperblock): number {
  return Math.floor(SUPERBLOCK_OFFSET_BYTES / sb.blockSizeBytes);
}

/** True when group descriptors carry checksums, the only case where BLOCK_UNINIT may be trusted. */
export function hasGroupChecksums(sb: ExtSuperblock): boolean {
  return (sb.roCompat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) !== 0;
}
