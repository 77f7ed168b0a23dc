/**
 * APFS container detection (Apple File System Reference). Block 0 holds the container
 * superblock, little-endian:
 *   0 checksum u64 (Fletcher-64 of bytes 8..4095)   24 type u16 (1 = container superblock)
 *   28 subtype u16 (0)   30 pad u16 (0)   32 "NXSB"   36 block_size u32   40 block_count u64
 *   72 uuid[16]
 * Like blkid, only 4 KiB blocks are accepted: the magic is four bytes and no other block size is
 * in use. Volumes (and their names) live deeper in the container; a container has no label.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, u64 } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { bytesAt, detectCorrupt, detected, exactProduct, readIfPresent, uuidOrNull } from '../detect-only-helpers.js';

const BLOCK_BYTES = 4096;
const MAGIC = magic('NXSB');
const MAGIC_AT = 32;
const TYPE_CONTAINER_SUPERBLOCK = 1;
const MOD = 0xffffffff;

/** APFS's Fletcher-64 over little-endian u32 words, as stored in an object header. */
export function apfsChecksum(bytes: Uint8Array): bigint {
  const view = dataView(bytes);
  // Both sums stay below 2^33, so plain numbers are exact.
  let low = 0;
  let high = 0;
  for (let at = 0; at + 4 <= bytes.length; at += 4) {
    low = (low + view.getUint32(at, true)) % MOD;
    high = (high + low) % MOD;
  }
  const checkLow = MOD - ((low + high) % MOD);
  const checkHigh = MOD - ((low + checkLow) % MOD);
  return (BigInt(checkHigh) << 32n) | BigInt(checkLow);
}

async function probeApfs(source: ByteSource): Promise<FilesystemInfo | null> {
  const block = await readIfPresent(source, 0, BLOCK_BYTES);
  if (block === null || !bytesAt(block, MAGIC_AT, MAGIC)) return null;
  const view = dataView(block);
  if (view.getUint16(24, true) !== TYPE_CONTAINER_SUPERBLOCK || view.getUint16(28, true) !== 0 || view.getUint16(30, true) !== 0) return null;
  if (view.getUint32(36, true) !== BLOCK_BYTES) return null;
  const stored = view.getBigUint64(0, true);
  const computed = apfsChecksum(block.subarray(8));
  if (stored !== computed) {
    throw detectCorrupt(
      'APFS',
      `the container superblock fails its Fletcher-64 checksum (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`,
      "Check it with Disk Utility's First Aid on a Mac, or copy the whole partition instead.",
      0,
    );
  }
  return detected('apfs', {
    uuid: uuidOrNull(block, 72),
    sizeBytes: exactProduct(u64(view, 40, 'the APFS block count'), BLOCK_BYTES, 'APFS', 'the container size'),
    blockSizeBytes: BLOCK_BYTES,
  });
}

export const apfsProber: Prober = {
  type: 'apfs',
  magics: [{ offsetBytes: MAGIC_AT, bytes: MAGIC }],
  probe: probeApfs,
};
