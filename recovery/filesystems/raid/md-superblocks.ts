/**
 * Linux software RAID (md) superblocks, magic 0xa92b4efc.
 *
 * 0.90 (4 KiB, 1024 u32 words in the writer's byte order) at the device size rounded down to
 * 64 KiB, minus 64 KiB: word 0 magic, 1-3 major/minor/patch version, 5 uuid0, 8 size (KiB used
 * on each member), 13-15 uuid1-3 (only from minor 90), 38 checksum (sum of all words with this
 * one zeroed, carries folded once). blkid prints the UUID as the four words in hex.
 *
 * 1.x (little-endian): 1.0 at the size rounded down to 4 KiB minus 8 KiB, 1.1 at 0, 1.2 at 4 KiB.
 *   0 magic   4 major_version (1)   16 set_uuid[16]   32 set_name[32] (blkid's LABEL)
 *   144 super_offset u64 (sectors; must name where it was found)   168 device_uuid[16]
 *   216 sb_csum u32   220 max_dev u32   256 dev_roles[max_dev] u16
 *   Checksum: the little-endian u32 sum of the first 256 + 2 * max_dev bytes with sb_csum zeroed
 *   (a trailing u16 added as is), carries folded once.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { detectCorrupt, detected, hex32, labelText, readIfPresent, uuidOrNull } from '../detect-only-helpers.js';
import type { FilesystemInfo } from '../filesystem-types.js';

export const MD_MAGIC = 0xa92b4efc;
const V0_RESERVED_BYTES = 64 * 1024;
const V0_BYTES = 4096;
const V0_CSUM_WORD = 38;
const V1_HEADER_BYTES = 256;
/** A 1.x superblock and its role table fit in 4 KiB, so at most (4096 - 256) / 2 roles. */
const V1_MAX_DEVICES = 1920;
const ADVICE = 'Check it with "mdadm --examine", or copy the whole partition instead.';

function foldCarries(sum: bigint): number {
  return Number(((sum & 0xffffffffn) + (sum >> 32n)) & 0xffffffffn);
}

/** Where a 0.90 superblock would be, or null when the device is too small to hold one. */
export function v090Offset(sizeBytes: number): number | null {
  if (sizeBytes <= V0_RESERVED_BYTES) return null;
  return Math.floor(sizeBytes / V0_RESERVED_BYTES) * V0_RESERVED_BYTES - V0_RESERVED_BYTES;
}

/** Where a 1.0 superblock would be. */
export function v10Offset(sizeBytes: number): number | null {
  if (sizeBytes <= V0_RESERVED_BYTES) return null;
  return Math.floor(sizeBytes / 4096) * 4096 - 8192;
}

export async function probeV090(source: ByteSource, offsetBytes: number): Promise<FilesystemInfo | null> {
  const sb = await readIfPresent(source, offsetBytes, V0_BYTES);
  if (sb === null) return null;
  const view = dataView(sb);
  const littleEndian = view.getUint32(0, true) === MD_MAGIC;
  if (!littleEndian && view.getUint32(0, false) !== MD_MAGIC) return null;
  const word = (index: number): number => view.getUint32(index * 4, littleEndian);
  const usedBytes = word(8) * 1024;
  // blkid's sanity checks: the array data (size KiB per member) must fit before the superblock.
  if (source.sizeBytes < usedBytes + V0_RESERVED_BYTES || offsetBytes < usedBytes) return null;

  let sum = 0n;
  for (let i = 0; i < V0_BYTES / 4; i++) if (i !== V0_CSUM_WORD) sum += BigInt(word(i));
  const computed = foldCarries(sum);
  if (computed !== word(V0_CSUM_WORD)) {
    throw detectCorrupt(
      'Linux RAID',
      `the 0.90 superblock at byte ${offsetBytes} fails its checksum (stored ${hex32(word(V0_CSUM_WORD))}, computed ${hex32(computed)})`,
      ADVICE,
      offsetBytes,
    );
  }
  const minor = word(2);
  const uuidWords = [word(5), minor >= 90 ? word(13) : 0, minor >= 90 ? word(14) : 0, minor >= 90 ? word(15) : 0];
  const uuidBytes = new Uint8Array(16);
  for (const [i, value] of uuidWords.entries()) new DataView(uuidBytes.buffer).setUint32(i * 4, value, false);
  return detected('linux_raid_member', {
    version: `${word(1)}.${minor}.${word(3)}`,
    uuid: uuidOrNull(uuidBytes, 0),
  });
}

export async function probeV1(source: ByteSource, offsetBytes: number, version: '1.0' | '1.1' | '1.2'): Promise<FilesystemInfo | null> {
  const header = await readIfPresent(source, offsetBytes, V1_HEADER_BYTES);
  if (header === null) return null;
  const view = dataView(header);
  if (view.getUint32(0, true) !== MD_MAGIC || view.getUint32(4, true) !== 1) return null;
  if (view.getBigUint64(144, true) !== BigInt(offsetBytes / 512)) return null;

  const where = `the ${version} superblock at byte ${offsetBytes}`;
  const maxDevices = view.getUint32(220, true);
  if (maxDevices > V1_MAX_DEVICES)
    throw detectCorrupt('Linux RAID', `${where} lists ${maxDevices} devices (at most ${V1_MAX_DEVICES} fit)`, ADVICE, offsetBytes);
  const summed = await readIfPresent(source, offsetBytes, V1_HEADER_BYTES + maxDevices * 2);
  if (summed === null) throw detectCorrupt('Linux RAID', `${where} runs past the end of the partition`, ADVICE, offsetBytes);
  const summedView = dataView(summed);
  let sum = 0n;
  let at = 0;
  for (; at + 4 <= summed.length; at += 4) if (at !== 216) sum += BigInt(summedView.getUint32(at, true));
  if (at + 2 <= summed.length) sum += BigInt(summedView.getUint16(at, true));
  const computed = foldCarries(sum);
  const stored = view.getUint32(216, true);
  if (computed !== stored)
    throw detectCorrupt('Linux RAID', `${where} fails its checksum (stored ${hex32(stored)}, computed ${hex32(computed)})`, ADVICE, offsetBytes);

  return detected('linux_raid_member', {
    version,
    label: labelText(header.subarray(32, 64)),
    uuid: uuidOrNull(header, 16),
  });
}
