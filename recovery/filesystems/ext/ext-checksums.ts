/**
 * Group descriptor checksums. BLOCK_UNINIT tells a reader to skip a group's bitmap; believing a
 * damaged flag would drop a whole group of data from the image, so (like e2fsprogs' read_bitmaps)
 * the flag is honoured only when the descriptor's checksum proves it was written that way.
 *
 * uninit_bg (gdt_csum): CRC-16 (poly 0x8005, reflected, init 0xFFFF) over the filesystem UUID, the
 * little-endian group number and the descriptor without its checksum field.
 * metadata_csum: the low 16 bits of CRC-32C (no final inversion) seeded with the filesystem's
 * checksum seed, over the group number and the descriptor with the checksum field zeroed.
 */
import { crc16Update as crc16, crc32cUpdate as crc32c } from '../../core/checksums.js';
import { INCOMPAT_CSUM_SEED, RO_COMPAT_METADATA_CSUM, type ExtSuperblock } from './ext-superblock.js';

/** Where bg_checksum sits in a descriptor. */
const CHECKSUM_OFFSET = 0x1e;

function groupNumberBytes(group: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, group >>> 0, true);
  return bytes;
}

/** The checksum seed metadata_csum uses: stored (csum_seed feature) or derived from the UUID. */
export function checksumSeed(sb: ExtSuperblock): number {
  if (sb.incompat & INCOMPAT_CSUM_SEED) return sb.checksumSeed;
  return crc32c(0xffffffff, sb.uuidBytes);
}

/** The checksum a descriptor should carry, given its bytes (`descSizeBytes` long). */
export function descriptorChecksum(sb: ExtSuperblock, group: number, descriptor: Uint8Array): number {
  const before = descriptor.subarray(0, CHECKSUM_OFFSET);
  const after = descriptor.subarray(CHECKSUM_OFFSET + 2, sb.descSizeBytes);
  if (sb.roCompat & RO_COMPAT_METADATA_CSUM) {
    let crc = crc32c(checksumSeed(sb), groupNumberBytes(group));
    crc = crc32c(crc, before);
    crc = crc32c(crc, new Uint8Array(2));
    return crc32c(crc, after) & 0xffff;
  }
  let crc = crc16(0xffff, sb.uuidBytes);
  crc = crc16(crc, groupNumberBytes(group));
  crc = crc16(crc, before);
  return crc16(crc, after);
}

/** True when the descriptor's stored checksum matches its contents. */
export function descriptorChecksumValid(sb: ExtSuperblock, group: number, descriptor: Uint8Array): boolean {
  const stored = (descriptor[CHECKSUM_OFFSET] ?? 0) | ((descriptor[CHECKSUM_OFFSET + 1] ?? 0) << 8);
  return stored === descriptorChecksum(sb, group, descriptor);
}
