/**
 * Minimal images of Linux formats, built from their published layouts: md RAID superblocks
 * (the md driver is missing here, so mdadm --create cannot run), an LVM2 label, swap headers in
 * either byte order, and btrfs/xfs/LUKS2 headers for hostile variants. blkid (and mdadm
 * --examine for md) checks them in the integration tests.
 */
import { ImageWriter, crc32cReference, hexBytes, sha256 } from './image-writer.js';

const MiB = 1024 * 1024;

/** Called on a structure before its checksum is computed, so hostile variants stay self-consistent. */
export type Tweak = (structure: ImageWriter) => void;

export function buildBtrfs(o: { fsid: string; devUuid: string; label: string; totalBytes: number; sizeBytes?: number; tweak?: Tweak }): Uint8Array {
  const image = new ImageWriter(o.sizeBytes ?? 2 * MiB);
  const sb = new ImageWriter(4096)
    .hex(32, o.fsid)
    .u64(48, 65536, true)
    .text(64, '_BHRfS_M')
    .u64(72, 7, true)
    .u64(112, o.totalBytes, true)
    .u64(120, 16384, true)
    .u64(136, 1, true)
    .u32(144, 4096, true)
    .u32(148, 16384, true)
    .u32(152, 16384, true)
    .u32(156, 4096, true)
    .u16(196, 0, true)
    .u64(201, 1, true)
    .u64(209, o.totalBytes, true)
    .hex(201 + 66, o.devUuid)
    .hex(201 + 82, o.fsid)
    .text(299, o.label);
  o.tweak?.(sb);
  sb.u32(0, crc32cReference(sb.bytes.subarray(32)), true);
  return image.raw(65536, sb.bytes).bytes;
}

export function buildXfs(o: {
  uuid: string;
  label: string;
  agCount: number;
  agBlocks: number;
  dataBlocks: number | bigint;
  sizeBytes?: number;
  tweak?: Tweak;
}): Uint8Array {
  const sb = new ImageWriter(512)
    .text(0, 'XFSB')
    .u32(4, 4096, false)
    .u64(8, o.dataBlocks, false)
    .hex(32, o.uuid)
    .u32(80, 1, false)
    .u32(84, o.agBlocks, false)
    .u32(88, o.agCount, false)
    .u16(100, 0xb4a5, false)
    .u16(102, 512, false)
    .u16(104, 512, false)
    .u16(106, 8, false)
    .text(108, o.label)
    .u8(120, 12)
    .u8(121, 9)
    .u8(122, 9)
    .u8(123, 3)
    .u8(124, Math.ceil(Math.log2(o.agBlocks)))
    .u8(127, 25);
  o.tweak?.(sb);
  sb.u32(224, crc32cReference(sb.bytes), true);
  return new ImageWriter(o.sizeBytes ?? MiB).raw(0, sb.bytes).bytes;
}

export function buildSwap(o: { pageSize: number; lastPage: number; uuid: string; label: string; bigEndian?: boolean; sizeBytes?: number }): Uint8Array {
  const le = !o.bigEndian;
  return new ImageWriter(o.sizeBytes ?? (o.lastPage + 1) * o.pageSize)
    .u32(1024, 1, le)
    .u32(1028, o.lastPage, le)
    .hex(1036, o.uuid)
    .text(1052, o.label)
    .text(o.pageSize - 10, 'SWAPSPACE2').bytes;
}

function luks2Header(o: { offset: number; magic: string; uuid: string; label: string; subsystem: string; tweak?: Tweak }): Uint8Array {
  const hdrSize = 16384;
  const area = new ImageWriter(hdrSize)
    .text(0, o.magic === 'primary' ? 'LUKS' : 'SKUL')
    .hex(4, 'babe')
    .u16(6, 2, false)
    .u64(8, hdrSize, false)
    .u64(16, 3, false)
    .text(24, o.label)
    .text(72, 'sha256')
    .fill(104, 64, o.offset === 0 ? 0x11 : 0x22)
    .text(168, o.uuid)
    .text(208, o.subsystem)
    .u64(256, o.offset, false)
    .text(4096, '{"keyslots":{},"tokens":{},"segments":{},"digests":{},"config":{"json_size":"12288","keyslots_size":"0"}}');
  o.tweak?.(area);
  area.raw(448, sha256(area.bytes));
  return area.bytes;
}

export function buildLuks2(o: {
  uuid: string;
  label: string;
  subsystem: string;
  sizeBytes?: number;
  tweakPrimary?: Tweak;
  tweakSecondary?: Tweak;
}): Uint8Array {
  return new ImageWriter(o.sizeBytes ?? MiB)
    .raw(0, luks2Header({ ...o, offset: 0, magic: 'primary', tweak: o.tweakPrimary }))
    .raw(16384, luks2Header({ ...o, offset: 16384, magic: 'secondary', tweak: o.tweakSecondary })).bytes;
}

/** LVM's label CRC, written out bit by bit (the prober uses a table). */
export function lvmCrcReference(bytes: Uint8Array): number {
  let crc = 0xf597a6cf;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return crc >>> 0;
}

export function buildLvm2Label(o: { pvUuid32: string; deviceSizeBytes: number; sector?: number; sizeBytes?: number; tweak?: Tweak }): Uint8Array {
  const sector = o.sector ?? 1;
  const label = new ImageWriter(512)
    .text(0, 'LABELONE')
    .u64(8, sector, true)
    .u32(20, 32, true)
    .text(24, 'LVM2 001')
    .text(32, o.pvUuid32)
    .u64(64, o.deviceSizeBytes, true)
    .u64(72, MiB, true) // data area: starts at 1 MiB, runs to the end (size 0)
    .u64(104, 4096, true) // metadata area: 4 KiB .. 1 MiB
    .u64(112, MiB - 4096, true);
  o.tweak?.(label);
  label.u32(16, lvmCrcReference(label.bytes.subarray(20)), true);
  return new ImageWriter(o.sizeBytes ?? 2 * MiB).raw(sector * 512, label.bytes).bytes;
}

function foldedSum(sum: bigint): number {
  return Number(((sum & 0xffffffffn) + (sum >> 32n)) & 0xffffffffn);
}

/** The md 1.x checksum of a superblock (its sb_csum field is skipped, not trusted). */
export function mdV1Checksum(sb: Uint8Array): number {
  const view = new DataView(sb.buffer, sb.byteOffset, sb.byteLength);
  const summed = Math.min(sb.length, 256 + view.getUint32(220, true) * 2);
  let sum = 0n;
  let i = 0;
  for (; i + 4 <= summed; i += 4) if (i !== 216) sum += BigInt(view.getUint32(i, true));
  if (i + 2 <= summed) sum += BigInt(view.getUint16(i, true));
  return foldedSum(sum);
}

/** The md 0.90 checksum of a 4 KiB superblock (word 38, the checksum, is skipped). */
export function mdV090Checksum(sb: Uint8Array): number {
  const view = new DataView(sb.buffer, sb.byteOffset, sb.byteLength);
  let sum = 0n;
  for (let i = 0; i < 1024; i++) if (i !== 38) sum += BigInt(view.getUint32(i * 4, true));
  return foldedSum(sum);
}

export function mdV1Offset(version: '1.0' | '1.1' | '1.2', sizeBytes: number): number {
  if (version === '1.0') return Math.floor(sizeBytes / 4096) * 4096 - 8192;
  return version === '1.1' ? 0 : 4096;
}

export function buildMdV1(o: {
  version: '1.0' | '1.1' | '1.2';
  sizeBytes: number;
  arrayUuid: string;
  deviceUuid: string;
  name: string;
  maxDevices?: number;
  tweak?: Tweak;
}): Uint8Array {
  const at = mdV1Offset(o.version, o.sizeBytes);
  const maxDevices = o.maxDevices ?? 128;
  const dataOffsetSectors = o.version === '1.0' ? 0 : 2048;
  const sb = new ImageWriter(4096)
    .u32(0, 0xa92b4efc, true)
    .u32(4, 1, true)
    .hex(16, o.arrayUuid)
    .text(32, o.name)
    .u64(64, 1700000000, true)
    .u32(72, 1, true) // RAID1
    .u64(80, 4096, true) // used size of each member, sectors
    .u32(92, 2, true) // raid disks
    .u64(128, dataOffsetSectors, true)
    .u64(136, 4096, true)
    .u64(144, at / 512, true)
    .u32(160, 0, true) // dev_number
    .hex(168, o.deviceUuid)
    .u64(192, 1700000000, true)
    .u64(200, 1, true)
    .u64(208, 0xffffffffffffffffn, true)
    .u32(220, maxDevices, true);
  for (let i = 0; i < Math.min(maxDevices, 1920); i++) sb.u16(256 + i * 2, i < 2 ? i : 0xffff, true);
  o.tweak?.(sb);
  sb.u32(216, mdV1Checksum(sb.bytes), true);
  return new ImageWriter(o.sizeBytes).raw(at, sb.bytes).bytes;
}

export function mdV090Offset(sizeBytes: number): number {
  return Math.floor(sizeBytes / 65536) * 65536 - 65536;
}

/** A 0.90 member of a two-disk RAID1; `uuidWords` are the four words mdadm prints. */
export function buildMdV090(o: { sizeBytes: number; uuidWords: [number, number, number, number]; usedKiB?: number; tweak?: Tweak }): Uint8Array {
  const at = mdV090Offset(o.sizeBytes);
  const sb = new ImageWriter(4096);
  const word = (index: number, value: number): void => void sb.u32(index * 4, value, true);
  [0xa92b4efc, 0, 90, 0, 0, o.uuidWords[0], 1700000000, 1, o.usedKiB ?? at / 1024, 2, 2, 0, 0].forEach((value, i) => {
    word(i, value);
  });
  [o.uuidWords[1], o.uuidWords[2], o.uuidWords[3]].forEach((value, i) => {
    word(13 + i, value);
  });
  [1700000000, 1, 2, 2, 0, 0].forEach((value, i) => {
    word(32 + i, value);
  });
  word(39, 1);
  for (const [base, disk] of [
    [128, 0],
    [160, 1],
    [992, 0],
  ] as const)
    [disk, 7, disk, disk, 6].forEach((value, i) => {
      word(base + i, value);
    });
  o.tweak?.(sb);
  word(38, mdV090Checksum(sb.bytes));
  return new ImageWriter(o.sizeBytes).raw(at, sb.bytes).bytes;
}

export { hexBytes };
