/**
 * The CRCs on-disk formats use, from well-kept libraries rather than hand-written tables:
 * CRC-32C (our packs, btrfs, XFS v5, ext4 metadata_csum) from @node-rs/crc32, native and using the
 * CPU's CRC instruction (six times the speed of a JavaScript table, which showed in the pipeline's
 * profiles at 13-31% of a thread), or crc-32 where the addon cannot load (crc32c-module.ts), and
 * the CRC-16 ext4's
 * uninit_bg descriptors use (reflected 0x8005, no final xor: the MODBUS model) from crc.
 * zlib's CRC-32 (GPT) comes with Node.
 */
import crc16modbus from 'crc/crc16modbus';
import { crc32cModule } from './crc32c-module.js';

const nativeCrc32c = crc32cModule().crc32c;

/** Standard CRC-32C (initial ~0, final inversion), as btrfs and XFS store it. */
export function crc32c(bytes: Uint8Array): number {
  return nativeCrc32c(bytes) >>> 0;
}

/**
 * CRC-32C register update with no inversion on either side, as e2fsprogs' ext2fs_crc32c_le:
 * the caller supplies the running value (ext4 seeds it with its checksum seed).
 */
export function crc32cUpdate(running: number, bytes: Uint8Array): number {
  // The library continues a finished CRC (it inverts the state on entry and the result on exit);
  // undo both to get the raw register update.
  return ~nativeCrc32c(bytes, ~running >>> 0) >>> 0;
}

/** CRC-16 with a running value (reflected polynomial 0x8005, no final xor). */
export function crc16Update(running: number, bytes: Uint8Array): number {
  return crc16modbus(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), running & 0xffff);
}
