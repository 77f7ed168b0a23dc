/**
 * The ext2/ext3/ext4 prober. One prober serves all three: they share a magic number and are
 * told apart by feature flags exactly as libblkid does (superblocks/ext.c):
 *   - an external journal device (incompat JOURNAL_DEV) is "jbd", not a filesystem: not ours;
 *   - any ro_compat or incompat feature ext3 does not know (extents, 64bit, flex_bg, huge_file,
 *     gdt_csum, dir_nlink, extra_isize, bigalloc, metadata_csum...) makes it ext4;
 *   - otherwise a journal makes it ext3, and no journal ext2.
 * (libblkid also says ext4dev for test filesystems on kernels without ext4; Lifeboat says ext4.)
 */
import type { ByteSource } from '../../core/byte-source.js';
import type { FilesystemInfo, Prober } from '../filesystem-types.js';
import {
  COMPAT_HAS_JOURNAL,
  EXT_MAGIC,
  INCOMPAT_FILETYPE,
  INCOMPAT_META_BG,
  INCOMPAT_RECOVER,
  MAGIC_OFFSET_BYTES,
  RO_COMPAT_BTREE_DIR,
  RO_COMPAT_LARGE_FILE,
  RO_COMPAT_SPARSE_SUPER,
  readSuperblock,
  STATE_ERROR,
  STATE_VALID,
  type ExtSuperblock,
} from './ext-superblock.js';

/** Features ext3 understands (libblkid's EXT3_FEATURE_*_SUPP); anything else means ext4. */
const EXT3_RO_COMPAT = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR;
const EXT3_INCOMPAT = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG;

export function extType(sb: Pick<ExtSuperblock, 'compat' | 'incompat' | 'roCompat'>): 'ext2' | 'ext3' | 'ext4' {
  if ((sb.roCompat & ~EXT3_RO_COMPAT) !== 0 || (sb.incompat & ~EXT3_INCOMPAT) !== 0) return 'ext4';
  return sb.compat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2';
}

/** Why the filesystem is not clean, in words; null when it is. Several reasons are joined. */
export function extDirtyReason(sb: Pick<ExtSuperblock, 'incompat' | 'state'>): string | null {
  const reasons: string[] = [];
  if (sb.incompat & INCOMPAT_RECOVER) reasons.push('needs journal recovery');
  if (!(sb.state & STATE_VALID)) reasons.push('not cleanly unmounted');
  if (sb.state & STATE_ERROR) reasons.push('errors recorded');
  return reasons.length === 0 ? null : reasons.join(', ');
}

/** The FilesystemInfo a parsed superblock describes. */
export function extInfo(sb: ExtSuperblock): FilesystemInfo {
  const dirtyReason = extDirtyReason(sb);
  return {
    type: extType(sb),
    // blkid's VERSION for ext is "<revision>.<minor revision>" (1.0 for every mke2fs of this century).
    version: `${sb.revLevel}.${sb.minorRevLevel}`,
    label: sb.label,
    uuid: sb.uuid,
    sizeBytes: sb.blocksCount * sb.blockSizeBytes,
    blockSizeBytes: sb.blockSizeBytes,
    // Superblock counts, as partclone's "Space in use" and e2fsprogs report them. This includes
    // the metadata (tables, journal) that statfs/df leave out of "Used", so it is bigger than df's.
    usedBytes: (sb.blocksCount - sb.freeBlocksCount) * sb.blockSizeBytes,
    dirty: dirtyReason !== null,
    dirtyReason,
  };
}

async function probe(source: ByteSource): Promise<FilesystemInfo | null> {
  const sb = await readSuperblock(source);
  return sb === null ? null : extInfo(sb);
}

/** Probes ext2, ext3 and ext4 alike; `type` is nominal, the result's `type` is the real one. */
export const extProber: Prober = {
  type: 'ext4',
  magics: [{ offsetBytes: MAGIC_OFFSET_BYTES, bytes: new Uint8Array([EXT_MAGIC & 0xff, EXT_MAGIC >> 8]) }],
  probe,
};
