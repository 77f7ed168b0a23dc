/**
 * Minimal HFS+, APFS, BitLocker and ISO9660 images from their published layouts (Apple TN1150,
 * the Apple File System Reference, libbde's BDE notes, ECMA-119 and the Joliet specification).
 * No mkfs for the first three exists on Debian; the ISO builder exists to reach label cases
 * xorriso will not write.
 */
import { ImageWriter } from './image-writer.js';
import type { Tweak } from './linux-images.js';

const KiB = 1024;

/** HFS+ with the volume name in the catalog's first leaf record; optionally inside an HFS wrapper. */
export function buildHfsPlus(o: { label: string; volumeId: string; totalBlocks: number; hfsx?: boolean; wrapperOffsetBytes?: number }): Uint8Array {
  const blockSize = 4096;
  const nodeSize = 8192;
  const catalogBlock = 4;
  const volumeAt = o.wrapperOffsetBytes ?? 0;
  const image = new ImageWriter(volumeAt + 16 * blockSize);
  const at = (offset: number): number => volumeAt + offset;
  image
    .text(at(1024), o.hfsx ? 'HX' : 'H+')
    .u16(at(1026), o.hfsx ? 5 : 4, false)
    .u32(at(1024 + 40), blockSize, false)
    .u32(at(1024 + 44), o.totalBlocks, false)
    .u32(at(1024 + 48), o.totalBlocks - 8, false)
    .hex(at(1024 + 104), o.volumeId)
    .u64(at(1024 + 272), 2 * nodeSize, false) // catalog fork: two nodes in one extent
    .u32(at(1024 + 272 + 12), 4, false)
    .u32(at(1024 + 272 + 16), catalogBlock, false)
    .u32(at(1024 + 272 + 20), 4, false);
  const header = at(catalogBlock * blockSize);
  image.u8(header + 8, 1).u16(header + 10, 3, false); // header node, 3 records
  image
    .u16(header + 14, 1, false)
    .u32(header + 16, 1, false)
    .u32(header + 20, 1, false)
    .u32(header + 24, 1, false)
    .u32(header + 28, 1, false)
    .u16(header + 32, nodeSize, false);
  const leaf = header + nodeSize;
  image
    .u8(leaf + 8, 0xff)
    .u8(leaf + 9, 1)
    .u16(leaf + 10, 1, false);
  image
    .u16(leaf + 14, 6 + o.label.length * 2, false)
    .u32(leaf + 16, 1, false)
    .u16(leaf + 20, o.label.length, false)
    .utf16be(leaf + 22, o.label);
  if (o.wrapperOffsetBytes !== undefined) {
    // The classic HFS master directory block: 512-byte allocation blocks starting at sector 0,
    // embedded volume at allocation block wrapperOffset / 512.
    image
      .text(1024, 'BD')
      .u32(1024 + 0x14, 512, false)
      .u16(1024 + 0x1c, 0, false)
      .text(1024 + 0x7c, 'H+')
      .u16(1024 + 0x7e, volumeAt / 512, false);
  }
  return image.bytes;
}

/** APFS's Fletcher-64, written out with BigInt (the prober uses numbers). */
export function fletcher64(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let low = 0n;
  let high = 0n;
  const mod = 0xffffffffn;
  for (let i = 0; i < bytes.length; i += 4) {
    low = (low + BigInt(view.getUint32(i, true))) % mod;
    high = (high + low) % mod;
  }
  const checkLow = mod - ((low + high) % mod);
  const checkHigh = mod - ((low + checkLow) % mod);
  return (checkHigh << 32n) | checkLow;
}

export function buildApfs(o: { uuid: string; blockCount: number | bigint; sizeBytes?: number; tweak?: Tweak }): Uint8Array {
  const block = new ImageWriter(4096)
    .u64(8, 1, true) // oid
    .u64(16, 5, true) // xid
    .u16(24, 1, true) // container superblock
    .u16(26, 0x8000, true) // OBJ_PHYSICAL
    .text(32, 'NXSB')
    .u32(36, 4096, true)
    .u64(40, o.blockCount, true)
    .hex(72, o.uuid);
  o.tweak?.(block);
  block.u64(0, fletcher64(block.bytes.subarray(8)), true);
  return new ImageWriter(o.sizeBytes ?? 64 * KiB).raw(0, block.bytes).bytes;
}

export function buildBitLocker(o: { kind: 'vista' | 'win7' | 'to-go'; serial: number; fveVersion: number; metadataOffset?: number }): Uint8Array {
  const metadataOffset = o.metadataOffset ?? 0x2000;
  const image = new ImageWriter(64 * KiB)
    .hex(0, o.kind === 'vista' ? 'eb5290' : 'eb5890')
    .text(3, o.kind === 'to-go' ? 'MSWIN4.1' : '-FVE-FS-')
    .u16(11, 512, true)
    .u32(67, o.serial, true)
    .text(71, 'NO NAME    ')
    .hex(510, '55aa');
  if (o.kind === 'win7') image.u64(176, metadataOffset, true);
  if (o.kind === 'to-go') image.u64(440, metadataOffset, true);
  return image
    .text(metadataOffset, '-FVE-FS-')
    .u16(metadataOffset + 8, 0x40, true)
    .u16(metadataOffset + 10, o.fveVersion, true).bytes;
}

/** "YYYYMMDDHHMMSShh" plus a zone byte: an ISO9660 17-byte date. */
function isoDate(image: ImageWriter, offset: number, digits: string, zone: number): void {
  image.text(offset, digits).u8(offset + 16, zone);
}

export function buildIso9660(o: { pvdLabel: string; jolietLabel?: string; created: string; modified: string; blocks?: number }): Uint8Array {
  const blocks = o.blocks ?? 24;
  const image = new ImageWriter(blocks * 2048);
  const pvd = 16 * 2048;
  image
    .u8(pvd, 1)
    .text(pvd + 1, 'CD001')
    .u8(pvd + 6, 1);
  image
    .fill(pvd + 8, 32, 0x20)
    .fill(pvd + 40, 32, 0x20)
    .text(pvd + 40, o.pvdLabel);
  image.u32(pvd + 80, blocks, true).u32(pvd + 84, blocks, false);
  image
    .u16(pvd + 120, 1, true)
    .u16(pvd + 122, 1, false)
    .u16(pvd + 124, 1, true)
    .u16(pvd + 126, 1, false);
  image.u16(pvd + 128, 2048, true).u16(pvd + 130, 2048, false);
  isoDate(image, pvd + 813, o.created, 0);
  isoDate(image, pvd + 830, o.modified, 0);
  let next = pvd + 2048;
  if (o.jolietLabel !== undefined) {
    image
      .u8(next, 2)
      .text(next + 1, 'CD001')
      .u8(next + 6, 1)
      .text(next + 88, '%/E');
    for (let i = 0; i < 16; i++) image.u16(next + 40 + i * 2, 0x20, false);
    image.utf16be(next + 40, o.jolietLabel);
    image.u32(next + 80, blocks, true).u16(next + 128, 2048, true);
    next += 2048;
  }
  image
    .u8(next, 255)
    .text(next + 1, 'CD001')
    .u8(next + 6, 1);
  return image.bytes;
}

/** The High Sierra format that preceded ISO9660: "CDROM" at 32768 + 9, volume id at 32768 + 48. */
export function buildHighSierra(label: string): Uint8Array {
  const image = new ImageWriter(20 * 2048);
  const vd = 16 * 2048;
  image
    .u8(vd + 8, 1)
    .text(vd + 9, 'CDROM')
    .u8(vd + 14, 1)
    .fill(vd + 48, 32, 0x20)
    .text(vd + 48, label);
  return image.u8(vd + 2048 + 8, 255).text(vd + 2048 + 9, 'CDROM').bytes;
}
