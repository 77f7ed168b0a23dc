/**
 * What the detection-only probers (btrfs, xfs, swap, LUKS, BitLocker, LVM2, Linux RAID, ISO9660,
 * HFS+, APFS) share: reading a structure only when the source is big enough to hold it, turning
 * fixed-size fields into text the way blkid does, and the one rule for "not this" versus "damaged".
 *
 * The rule: a prober answers null when the bytes do not claim to be its format (the magic is
 * absent, the source is too small to hold it, or a short magic sits among fields blkid would
 * also reject). It throws CORRUPT_FILESYSTEM only when the bytes carry the format's full
 * identity and then fail the format's own integrity check (a checksum), because then they do
 * claim to be this format and cannot be trusted.
 */
import type { ByteSource } from '../core/byte-source.js';
import { uuidText, isAllZero } from '../core/bytes.js';
import { LifeboatError } from '../core/errors.js';
import type { FilesystemInfo, FilesystemType } from './filesystem-types.js';

/** Reads `lengthBytes` at `offsetBytes`, or answers null when the source ends before that range does. */
export async function readIfPresent(source: ByteSource, offsetBytes: number, lengthBytes: number): Promise<Uint8Array | null> {
  if (offsetBytes < 0 || offsetBytes + lengthBytes > source.sizeBytes) return null;
  return source.readAt(offsetBytes, lengthBytes);
}

export function bytesAt(bytes: Uint8Array, offset: number, expected: Uint8Array): boolean {
  if (offset < 0 || offset + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[offset + i] !== expected[i]) return false;
  return true;
}

/** C's isspace(): the characters blkid trims from the end of labels. */
function isCSpace(char: string): boolean {
  return char === ' ' || (char >= '\t' && char <= '\r');
}

function trimEndCSpace(text: string): string {
  let end = text.length;
  while (end > 0 && isCSpace(text.charAt(end - 1))) end--;
  return text.slice(0, end);
}

/**
 * A label as blkid reports it from a fixed-size byte field: cut at the first NUL, trailing
 * white space removed, null when nothing is left (blkid then prints no LABEL at all).
 */
export function labelText(bytes: Uint8Array): string | null {
  const nul = bytes.indexOf(0);
  const text = trimEndCSpace(new TextDecoder('utf-8').decode(nul >= 0 ? bytes.subarray(0, nul) : bytes));
  return text === '' ? null : text;
}

/** A UTF-16 big-endian label (Joliet, HFS+): cut at the first U+0000, trailing white space removed. */
export function utf16beLabelText(bytes: Uint8Array): string | null {
  let end = bytes.length - (bytes.length % 2);
  for (let i = 0; i + 1 < end; i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) {
      end = i;
      break;
    }
  }
  // Swapped into little-endian: every Node build decodes UTF-16LE, not all carry UTF-16BE.
  const swapped = new Uint8Array(end);
  for (let i = 0; i + 1 < end; i += 2) {
    swapped[i] = bytes[i + 1] ?? 0;
    swapped[i + 1] = bytes[i] ?? 0;
  }
  const text = trimEndCSpace(new TextDecoder('utf-16le').decode(swapped));
  return text === '' ? null : text;
}

/** A 16-byte big-endian UUID as blkid prints it; null when all zero (blkid prints none then). */
export function uuidOrNull(bytes: Uint8Array, offset: number): string | null {
  if (offset < 0 || offset + 16 > bytes.length || isAllZero(bytes.subarray(offset, offset + 16))) return null;
  return uuidText(bytes, offset);
}

/** The FilesystemInfo of a format Lifeboat only detects: no used bytes, no dirty flag. */
export function detected(
  type: FilesystemType,
  fields: { version?: string | null; label?: string | null; uuid?: string | null; sizeBytes?: number | null; blockSizeBytes?: number | null },
): FilesystemInfo {
  return {
    type,
    version: fields.version ?? null,
    label: fields.label ?? null,
    uuid: fields.uuid ?? null,
    sizeBytes: fields.sizeBytes ?? null,
    blockSizeBytes: fields.blockSizeBytes ?? null,
    usedBytes: null,
    dirty: null,
    dirtyReason: null,
  };
}

/**
 * A CORRUPT_FILESYSTEM error for a detected-only format. `what` names the problem and where it
 * is; `advice` says what a person can do (the tool that repairs it, or copying the whole partition).
 */
export function detectCorrupt(format: string, what: string, advice: string, offsetBytes?: number): LifeboatError {
  return new LifeboatError('CORRUPT_FILESYSTEM', `${format}: ${what}. ${advice}`, offsetBytes === undefined ? {} : { details: { offsetBytes } });
}

/** `a * b` when the product is an exact integer, else a CORRUPT_FILESYSTEM error naming the field. */
export function exactProduct(a: number, b: number, format: string, what: string): number {
  const product = a * b;
  if (!Number.isSafeInteger(product)) {
    throw detectCorrupt(format, `${what} (${a} × ${b}) is larger than any real disk`, 'The metadata is damaged; copy the whole partition.');
  }
  return product;
}

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}
