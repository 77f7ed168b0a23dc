/**
 * btrfs detection. The primary superblock is 4 KiB at 64 KiB (copies at 64 MiB and 256 GiB are
 * not read: blkid ignores them too unless asked). Layout, little-endian:
 *   0 csum[32] (CRC-32C of bytes 32..4095 in the first 4 bytes when csum_type is 0)
 *   32 fsid[16] (blkid's UUID)   48 bytenr u64 (this copy's own offset)   64 magic "_BHRfS_M"
 *   112 total_bytes u64   144 sectorsize u32 (blkid's BLOCK_SIZE)   148 nodesize u32
 *   196 csum_type u16   201 dev_item (98 bytes; its uuid at +66 is blkid's UUID_SUB)   299 label[256]
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, u64 } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { crc32c } from '../../core/checksums.js';
import { bytesAt, detectCorrupt, detected, hex32, labelText, readIfPresent, uuidOrNull } from '../detect-only-helpers.js';

export const BTRFS_SUPERBLOCK_OFFSET = 64 * 1024;
const SUPERBLOCK_BYTES = 4096;
const MAGIC = magic('_BHRfS_M');
const MAGIC_AT = 0x40;
const CSUM_TYPE_CRC32C = 0;

const ADVICE = 'Check it with "btrfs check --readonly", or copy the whole partition instead.';

function isPowerOfTwoBetween(value: number, min: number, max: number): boolean {
  return value >= min && value <= max && (value & (value - 1)) === 0;
}

async function probeBtrfs(source: ByteSource): Promise<FilesystemInfo | null> {
  const sb = await readIfPresent(source, BTRFS_SUPERBLOCK_OFFSET, SUPERBLOCK_BYTES);
  if (sb === null || !bytesAt(sb, MAGIC_AT, MAGIC)) return null;
  const view = dataView(sb);

  const csumType = view.getUint16(196, true);
  if (csumType === CSUM_TYPE_CRC32C) {
    const stored = view.getUint32(0, true);
    const computed = crc32c(sb.subarray(32));
    if (stored !== computed) {
      throw detectCorrupt(
        'btrfs',
        `the superblock at byte ${BTRFS_SUPERBLOCK_OFFSET} fails its CRC-32C checksum (stored ${hex32(stored)}, computed ${hex32(computed)})`,
        ADVICE,
        BTRFS_SUPERBLOCK_OFFSET,
      );
    }
  }
  // Other checksum types (xxhash64, sha256, blake2b) are not verified; the fields below are.
  const bytenr = u64(view, 48, 'btrfs superblock bytenr');
  const sectorSize = view.getUint32(144, true);
  const nodeSize = view.getUint32(148, true);
  if (bytenr !== BTRFS_SUPERBLOCK_OFFSET || !isPowerOfTwoBetween(sectorSize, 512, 65536) || !isPowerOfTwoBetween(nodeSize, sectorSize, 65536)) {
    throw detectCorrupt(
      'btrfs',
      `the superblock at byte ${BTRFS_SUPERBLOCK_OFFSET} is inconsistent (bytenr ${bytenr}, sector size ${sectorSize}, node size ${nodeSize})`,
      ADVICE,
      BTRFS_SUPERBLOCK_OFFSET,
    );
  }
  return detected('btrfs', {
    label: labelText(sb.subarray(299, 299 + 256)),
    uuid: uuidOrNull(sb, 32),
    sizeBytes: u64(view, 112, 'btrfs total_bytes'),
    blockSizeBytes: sectorSize,
  });
}

export const btrfsProber: Prober = {
  type: 'btrfs',
  magics: [{ offsetBytes: BTRFS_SUPERBLOCK_OFFSET + MAGIC_AT, bytes: MAGIC }],
  probe: probeBtrfs,
};
