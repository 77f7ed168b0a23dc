/** Text fields of FAT and exFAT volumes, formatted the way blkid prints them. */

/**
 * The 32-bit volume serial number as blkid prints FAT and exFAT UUIDs: the little-endian value
 * in upper-case hex, split in two halves (bytes 3 2 - 1 0).
 */
export function serialText(bytes: Uint8Array, offset: number): string {
  const hex = (i: number): string => (bytes[offset + i] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return `${hex(3)}${hex(2)}-${hex(1)}${hex(0)}`;
}

/**
 * A label as blkid keeps it: cut at the first NUL, trailing white space removed, and no label at
 * all when nothing is left (blkid then prints no LABEL).
 */
export function blkidLabel(text: string): string | null {
  const nul = text.indexOf('\0');
  const trimmed = (nul >= 0 ? text.slice(0, nul) : text).replace(/[ \t\n\v\f\r]+$/, '');
  return trimmed.length === 0 ? null : trimmed;
}

/**
 * An 11-byte FAT label. blkid hands the raw OEM-code-page bytes through; Lifeboat maps each byte
 * to the code point of the same number (Latin-1), which is exact for the ASCII labels nearly
 * every volume has.
 */
export function fatLabelText(bytes: Uint8Array): string | null {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return blkidLabel(text);
}
