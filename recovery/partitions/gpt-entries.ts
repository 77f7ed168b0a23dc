/**
 * The GPT entries array: one entry per slot (entrySize bytes each, usually 128). A slot whose
 * type GUID is all zero is unused. The array has already passed its CRC, so the entries are
 * what the tool that wrote them meant; impossible ones are still skipped with a warning.
 */
import { dataView, guidText, isAllZero } from '../core/bytes.js';
import type { GptEntry, GptHeader } from './partition-table.js';

const NAME_OFFSET = 56;
const NAME_BYTES = 72;

export function parseGptEntries(array: Uint8Array, header: GptHeader, warnings: string[]): GptEntry[] {
  const entries: GptEntry[] = [];
  const view = dataView(array);
  for (let index = 0; index < header.entryCount; index++) {
    const at = index * header.entrySizeBytes;
    if (at + 128 > array.length) break;
    if (isAllZero(array.subarray(at, at + 16))) continue;
    const first = view.getBigUint64(at + 32, true);
    const last = view.getBigUint64(at + 40, true);
    if (last > BigInt(Number.MAX_SAFE_INTEGER) || first > last) {
      warnings.push(`GPT entry ${index + 1} has an impossible range (LBA ${first}–${last}); Lifeboat ignores it.`);
      continue;
    }
    entries.push({
      index,
      typeGuid: guidText(array, at),
      uniqueGuid: guidText(array, at + 16),
      firstLba: Number(first),
      lastLba: Number(last),
      attributes: `0x${view
        .getBigUint64(at + 48, true)
        .toString(16)
        .padStart(16, '0')}`,
      name: utf16Name(array.subarray(at + NAME_OFFSET, at + NAME_OFFSET + NAME_BYTES)),
    });
  }
  return entries;
}

/** UTF-16LE up to the first NUL code unit; unpaired surrogates become U+FFFD. */
function utf16Name(bytes: Uint8Array): string {
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return new TextDecoder('utf-16le').decode(bytes.subarray(0, end));
}
