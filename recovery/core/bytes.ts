/**
 * Little helpers for reading on-disk structures. Every format Lifeboat parses stores numbers
 * little-endian except where a caller says otherwise; 64-bit values are returned as numbers and
 * checked to be exact, because a hostile value above 2^53 must not silently round.
 */
import { LifeboatError, type ErrorCode } from './errors.js';

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An unsigned 64-bit little-endian field as a number, or an error naming the field when it is not exact. */
export function u64(view: DataView, offset: number, field = 'a 64-bit field', code: ErrorCode = 'CORRUPT_FILESYSTEM'): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LifeboatError(code, `${field} holds ${value}, which no real disk can have: the metadata is damaged.`);
  }
  return Number(value);
}

/** A GUID in the mixed-endian layout Microsoft and UEFI use, as lower-case text. */
export function guidText(bytes: Uint8Array, offset = 0): string {
  const hex = (start: number, end: number, reverse: boolean): string => {
    const part = Array.from(bytes.subarray(offset + start, offset + end), (b) => b.toString(16).padStart(2, '0'));
    return (reverse ? part.reverse() : part).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** A UUID stored big-endian (as ext4, btrfs, xfs, LUKS and RAID store them), as lower-case text. */
export function uuidText(bytes: Uint8Array, offset = 0): string {
  const hex = Array.from(bytes.subarray(offset, offset + 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Parses GUID text back into its mixed-endian 16 bytes (for writing GPT entries). */
export function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new LifeboatError('USAGE', `"${text}" is not a GUID.`);
  const raw = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const out = raw.slice();
  out.set(raw.subarray(0, 4).reverse(), 0);
  out.set(raw.subarray(4, 6).reverse(), 4);
  out.set(raw.subarray(6, 8).reverse(), 6);
  return out;
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

/** Text in a fixed-size field, cut at the first NUL, trailing spaces removed. */
export function fixedText(bytes: Uint8Array, encoding: 'utf-8' | 'latin1' | 'utf-16le' = 'utf-8'): string {
  let text = new TextDecoder(encoding).decode(bytes);
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  return text.replace(/ +$/, '');
}
