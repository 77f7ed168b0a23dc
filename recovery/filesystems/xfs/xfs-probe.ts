/**
 * XFS detection. The superblock sits at byte 0, big-endian:
 *   0 "XFSB"   4 blocksize u32   8 dblocks u64   32 uuid[16]   80 rextsize u32   84 agblocks u32
 *   88 agcount u32   100 versionnum u16 (low nibble 5 = v5, CRC-checked)   102 sectsize u16
 *   104 inodesize u16   108 fname[12] (label)   120 blocklog, sectlog, inodelog, inopblog u8
 *   127 imax_pct u8   224 crc (v5: CRC-32C of the first sectsize bytes with this field zeroed, stored LE)
 * A four-byte magic is weak, so the same sanity checks blkid makes decide "not XFS" (null).
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { crc32c } from '../../core/checksums.js';
import { bytesAt, detectCorrupt, detected, exactProduct, hex32, labelText, readIfPresent, uuidOrNull } from '../detect-only-helpers.js';

const MAGIC = magic('XFSB');
const CRC_OFFSET = 224;
const MIN_AG_BLOCKS = 64;
const MIN_RTEXT_BYTES = 4 * 1024;
const MAX_RTEXT_BYTES = 1024 * 1024 * 1024;

interface XfsGeometry {
  blockSize: number;
  dataBlocks: bigint;
  sectorSize: number;
}

function log2Matches(value: number, log: number, minLog: number, maxLog: number): boolean {
  return log >= minLog && log <= maxLog && value === 2 ** log;
}

/** The field checks blkid makes before it believes the magic; null when they fail. */
function saneGeometry(view: DataView): XfsGeometry | null {
  const blockSize = view.getUint32(4, false);
  const dataBlocks = view.getBigUint64(8, false);
  const rextSize = view.getUint32(80, false);
  const agBlocks = BigInt(view.getUint32(84, false));
  const agCount = BigInt(view.getUint32(88, false));
  const sectorSize = view.getUint16(102, false);
  const inodeSize = view.getUint16(104, false);
  const [blockLog, sectorLog, inodeLog, inodesPerBlockLog] = [view.getUint8(120), view.getUint8(121), view.getUint8(122), view.getUint8(123)];
  const rtExtentBytes = rextSize * blockSize;
  const sane =
    agCount > 0n &&
    log2Matches(sectorSize, sectorLog, 9, 15) &&
    log2Matches(blockSize, blockLog, 9, 16) &&
    log2Matches(inodeSize, inodeLog, 8, 11) &&
    blockLog - inodeLog === inodesPerBlockLog &&
    rtExtentBytes >= MIN_RTEXT_BYTES &&
    rtExtentBytes <= MAX_RTEXT_BYTES &&
    view.getUint8(127) <= 100 &&
    dataBlocks > 0n &&
    dataBlocks <= agCount * agBlocks &&
    dataBlocks >= (agCount - 1n) * agBlocks + BigInt(MIN_AG_BLOCKS);
  return sane ? { blockSize, dataBlocks, sectorSize } : null;
}

async function probeXfs(source: ByteSource): Promise<FilesystemInfo | null> {
  const head = await readIfPresent(source, 0, 512);
  if (head === null || !bytesAt(head, 0, MAGIC)) return null;
  const geometry = saneGeometry(dataView(head));
  if (geometry === null) return null;

  if ((dataView(head).getUint16(100, false) & 0xf) === 5) {
    const sector = await readIfPresent(source, 0, geometry.sectorSize);
    if (sector === null) return null;
    const copy = sector.slice();
    const stored = dataView(copy).getUint32(CRC_OFFSET, true);
    copy.fill(0, CRC_OFFSET, CRC_OFFSET + 4);
    const computed = crc32c(copy);
    if (stored !== computed) {
      throw detectCorrupt(
        'XFS',
        `the superblock fails its CRC-32C checksum (stored ${hex32(stored)}, computed ${hex32(computed)})`,
        'Check it with "xfs_repair -n", or copy the whole partition instead.',
        0,
      );
    }
  }
  const blocks = Number(geometry.dataBlocks);
  if (!Number.isSafeInteger(blocks)) {
    throw detectCorrupt(
      'XFS',
      `the superblock counts ${geometry.dataBlocks} data blocks, more than any real disk holds`,
      'The metadata is damaged; copy the whole partition.',
      0,
    );
  }
  return detected('xfs', {
    label: labelText(head.subarray(108, 120)),
    uuid: uuidOrNull(head, 32),
    sizeBytes: exactProduct(blocks, geometry.blockSize, 'XFS', 'the data section size'),
    blockSizeBytes: geometry.blockSize,
  });
}

export const xfsProber: Prober = {
  type: 'xfs',
  magics: [{ offsetBytes: 0, bytes: MAGIC }],
  probe: probeXfs,
};
