/**
 * HFS+ / HFSX detection (Apple TN1150). The volume header is at byte 1024, big-endian:
 *   0 "H+" (version 4) or "HX" (version 5, case-sensitive)   40 blockSize u32   44 totalBlocks u32
 *   80 finderInfo[32] (its last 8 bytes, at 104, are the volume id blkid hashes into a UUID)
 *   272 catalogFile fork: 0 logicalSize u64, 12 totalBlocks u32, 16 eight extents (start u32, count u32)
 * An HFS+ volume may sit inside a classic HFS wrapper ("BD" at 1024): then 0x7C holds "H+"/"HX",
 * 0x14 the wrapper's allocation block size, 0x1C its first allocation block (in 512-byte sectors)
 * and 0x7E the embedded volume's first allocation block, which together locate the real header.
 * The label is not in the header: it is the name in the catalog's first leaf record (see
 * hfsplus-catalog.ts).
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, isAllZero } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { bytesAt, detected, exactProduct, readIfPresent, uuidOrNull } from '../detect-only-helpers.js';
import { catalogVolumeName } from './hfsplus-catalog.js';

const HEADER_AT = 1024;
const HEADER_BYTES = 512;
const HFS_PLUS = magic('H+');
const HFSX = magic('HX');
const HFS_WRAPPER = magic('BD');
const MIN_BLOCK_BYTES = 512;
/** blkid (after Apple's hfs_util) hashes this 16-byte name-space prefix with the 8-byte volume id. */
const UUID_NAMESPACE = Uint8Array.of(0xb3, 0xe2, 0x0f, 0x39, 0xf2, 0x92, 0x11, 0xd6, 0x97, 0xa4, 0x00, 0x30, 0x65, 0x43, 0xec, 0xac);

/** MD5(namespace + id) stamped as a version-3 UUID, as blkid and Apple's tools derive it. */
export function hfsUuid(volumeId: Uint8Array): string | null {
  if (isAllZero(volumeId)) return null;
  const hash = new Uint8Array(createHash('md5').update(UUID_NAMESPACE).update(volumeId).digest());
  hash[6] = 0x30 | ((hash[6] ?? 0) & 0x0f);
  hash[8] = 0x80 | ((hash[8] ?? 0) & 0x3f);
  return uuidOrNull(hash, 0);
}

/** The byte offset of the HFS+ volume inside a classic HFS wrapper, or null when there is none. */
function embeddedOffset(wrapper: Uint8Array): number | null {
  if (!bytesAt(wrapper, 0x7c, HFS_PLUS) && !bytesAt(wrapper, 0x7c, HFSX)) return null;
  const view = dataView(wrapper);
  return view.getUint16(0x1c, false) * 512 + view.getUint16(0x7e, false) * view.getUint32(0x14, false);
}

async function probeHfsPlus(source: ByteSource): Promise<FilesystemInfo | null> {
  const first = await readIfPresent(source, HEADER_AT, HEADER_BYTES);
  if (first === null) return null;
  let volumeAt = 0;
  let header = first;
  if (bytesAt(first, 0, HFS_WRAPPER)) {
    const offset = embeddedOffset(first);
    if (offset === null) return null; // Plain HFS, which Lifeboat does not report.
    const embedded = await readIfPresent(source, offset + HEADER_AT, HEADER_BYTES);
    if (embedded === null) return null;
    volumeAt = offset;
    header = embedded;
  }
  if (!bytesAt(header, 0, HFS_PLUS) && !bytesAt(header, 0, HFSX)) return null;
  const view = dataView(header);
  const blockSize = view.getUint32(40, false);
  if (blockSize < MIN_BLOCK_BYTES) return null;

  const extents = Array.from({ length: 8 }, (_, i) => ({
    startBlock: view.getUint32(272 + 16 + i * 8, false),
    blockCount: view.getUint32(272 + 16 + i * 8 + 4, false),
  }));
  return detected('hfsplus', {
    label: await catalogVolumeName(source, volumeAt, blockSize, extents),
    uuid: hfsUuid(header.subarray(104, 112)),
    sizeBytes: exactProduct(view.getUint32(44, false), blockSize, 'HFS+', 'the volume size'),
    blockSizeBytes: blockSize,
  });
}

export const hfsplusProber: Prober = {
  type: 'hfsplus',
  magics: [
    { offsetBytes: HEADER_AT, bytes: HFS_PLUS },
    { offsetBytes: HEADER_AT, bytes: HFSX },
    { offsetBytes: HEADER_AT, bytes: HFS_WRAPPER },
  ],
  probe: probeHfsPlus,
};
