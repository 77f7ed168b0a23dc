/**
 * How blkid turns ISO9660 descriptors into LABEL and UUID.
 *
 * Label: the primary volume descriptor (PVD) holds up to 32 upper-case ASCII characters, with '_'
 * standing for anything ASCII cannot hold; a Joliet descriptor holds the same name in UTF-16BE but
 * only 16 characters. When Joliet's name agrees with the PVD's (ignoring case and the '_'
 * stand-ins) blkid rebuilds the full name: Joliet's characters where they agree, then the rest of
 * the PVD's. Otherwise it takes Joliet's name, or the PVD's when there is no Joliet descriptor.
 *
 * UUID: the modification date (or, when unset, the creation date) as "YYYY-MM-DD-HH-MM-SS-hh",
 * taken character by character from the 16 digits of the descriptor's date field.
 */
import { ascii } from '../filesystem-types.js';
import { labelText, utf16beLabelText } from '../detect-only-helpers.js';

const UNDERSCORE = 0x5f;

function upper(byte: number): number {
  return byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
}

function isUpper(byte: number): boolean {
  return byte >= 0x41 && byte <= 0x5a;
}

/** The rebuilt UTF-16BE name, or null when Joliet's name is not a prefix of the PVD's. */
export function mergeJolietWithPvd(utf16: Uint8Array, pvdAscii: Uint8Array): Uint8Array | null {
  const length = Math.min(utf16.length, pvdAscii.length);
  const out: number[] = [];
  let a = 0;
  let u = 0;
  for (; u + 1 < length && a < length; a++, u += 2) {
    const high = utf16[u] ?? 0;
    const next = utf16[u + 2] ?? 0;
    if (high >= 0xd8 && high <= 0xdb && u + 3 < length && next >= 0xdc && next <= 0xdf) {
      // A character beyond U+FFFF: its first half is copied and its second half compared below.
      out.push(high, utf16[u + 1] ?? 0);
      u += 2;
    }
    const hi = utf16[u] ?? 0;
    const lo = utf16[u + 1] ?? 0;
    const letter = pvdAscii[a] ?? 0;
    if (letter === UNDERSCORE) out.push(hi, lo);
    else if (hi === 0 && lo === UNDERSCORE) out.push(0, letter);
    else if (hi === 0 && upper(letter) === upper(lo)) out.push(0, isUpper(letter) ? lo : letter);
    else return null;
  }
  for (; a < length; a++) out.push(0, pvdAscii[a] ?? 0);
  return out.length === 0 ? null : Uint8Array.from(out);
}

export function isoLabel(pvdVolumeId: Uint8Array, jolietVolumeId: Uint8Array | null): string | null {
  if (jolietVolumeId === null) return labelText(pvdVolumeId);
  return utf16beLabelText(mergeJolietWithPvd(jolietVolumeId, pvdVolumeId) ?? jolietVolumeId);
}

const DASH_BEFORE = new Set([4, 6, 8, 10, 12, 14]);

/**
 * A 17-byte ISO date as blkid's UUID: 'unset' when all 16 digits are '0' and the zone byte is 0
 * (try the other date), null when the bytes are all zero (blkid then prints no UUID at all).
 */
export function dateUuid(date: Uint8Array): string | null | 'unset' {
  const digits = date.subarray(0, 16);
  if (digits.every((byte) => byte === 0x30) && date[16] === 0) return 'unset';
  if (digits.every((byte) => byte === 0)) return null;
  let text = '';
  for (let i = 0; i < 16; i++) {
    // blkid formats with %c: a NUL among the digits ends the string there.
    if (digits[i] === 0) break;
    text += (DASH_BEFORE.has(i) ? '-' : '') + ascii(digits.subarray(i, i + 1));
  }
  return text;
}
