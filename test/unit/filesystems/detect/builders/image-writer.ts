/**
 * A byte array with typed field writers, for building minimal images of formats that have no
 * mkfs on this machine (HFS+, APFS, BitLocker) or whose tool needs a kernel feature (md).
 * Every builder follows the published layout; blkid is the oracle that they are right.
 */
import { createHash } from 'node:crypto';

export class ImageWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(sizeBytes: number) {
    this.bytes = new Uint8Array(sizeBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(offset: number, value: number): this {
    this.view.setUint8(offset, value);
    return this;
  }

  u16(offset: number, value: number, littleEndian: boolean): this {
    this.view.setUint16(offset, value, littleEndian);
    return this;
  }

  u32(offset: number, value: number, littleEndian: boolean): this {
    this.view.setUint32(offset, value >>> 0, littleEndian);
    return this;
  }

  u64(offset: number, value: number | bigint, littleEndian: boolean): this {
    this.view.setBigUint64(offset, BigInt(value), littleEndian);
    return this;
  }

  text(offset: number, text: string): this {
    this.bytes.set(new TextEncoder().encode(text), offset);
    return this;
  }

  utf16be(offset: number, text: string): this {
    for (let i = 0; i < text.length; i++) this.view.setUint16(offset + i * 2, text.charCodeAt(i), false);
    return this;
  }

  raw(offset: number, bytes: Uint8Array): this {
    this.bytes.set(bytes, offset);
    return this;
  }

  hex(offset: number, hex: string): this {
    return this.raw(offset, hexBytes(hex));
  }

  fill(offset: number, length: number, value: number): this {
    this.bytes.fill(value, offset, offset + length);
    return this;
  }
}

export function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => parseInt(clean.slice(i * 2, i * 2 + 2), 16));
}

/** CRC-32C, written out again here so tests do not trust the code they test. */
export function crc32cReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}
