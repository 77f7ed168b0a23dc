/**
 * One GPT header: parsing with every check that does not need the rest of the disk, and
 * serialising with fresh CRCs. A failed check is a sentence (the "problem"), not an exception,
 * so the reader can fall back to the other copy and say what was wrong with each.
 */
import { crc32 } from 'node:zlib';
import { dataView, guidBytes, guidText } from '../core/bytes.js';
import type { GptHeader } from './partition-table.js';

export const GPT_SIGNATURE = 'EFI PART';
export const GPT_HEADER_MIN_BYTES = 92;
export const GPT_ENTRY_MIN_BYTES = 128;
/** UEFI asks for 128 × 2^n; real tools write 128. Bounding it bounds the per-entry work. */
export const GPT_ENTRY_MAX_BYTES = 4096;
/** sgdisk's maximum is far lower in practice; 16384 entries of 128 bytes would be 2 MiB. */
export const GPT_MAX_ENTRIES = 16384;
/** The most one entries array may occupy: the largest allocation a GPT read makes (once per copy it tries, at most 3). */
export const GPT_MAX_ARRAY_BYTES = 4 * 1024 * 1024;

const CRC_OFFSET = 16;

export function hasGptSignature(sector: Uint8Array): boolean {
  return sector.length >= 8 && String.fromCharCode(...sector.subarray(0, 8)) === GPT_SIGNATURE;
}

/** Sectors the entries array occupies (the array is padded to whole sectors on disk). */
export function entriesSectors(header: Pick<GptHeader, 'entryCount' | 'entrySizeBytes'>, sectorSizeBytes: number): number {
  return Math.ceil((header.entryCount * header.entrySizeBytes) / sectorSizeBytes);
}

/** The header CRC: zlib's CRC-32 over headerSize bytes with the CRC field taken as zero. */
export function headerCrc32(sector: Uint8Array, headerSizeBytes: number): number {
  const copy = sector.slice(0, headerSizeBytes);
  copy.fill(0, CRC_OFFSET, CRC_OFFSET + 4);
  return crc32(copy) >>> 0;
}

/** Parses and checks the header in `sector`, read from LBA `lba`; returns it or a sentence saying what is wrong. */
export function parseGptHeader(sector: Uint8Array, lba: number, sectorSizeBytes: number): GptHeader | string {
  const where = `The GPT header at LBA ${lba}`;
  if (!hasGptSignature(sector)) return `There is no GPT header at LBA ${lba} (no "EFI PART" signature).`;
  const view = dataView(sector);
  const headerSizeBytes = view.getUint32(12, true);
  if (headerSizeBytes < GPT_HEADER_MIN_BYTES || headerSizeBytes > sectorSizeBytes) {
    return `${where} claims a size of ${headerSizeBytes} bytes (valid: ${GPT_HEADER_MIN_BYTES} to ${sectorSizeBytes}).`;
  }
  const storedCrc = view.getUint32(CRC_OFFSET, true);
  const actualCrc = headerCrc32(sector, headerSizeBytes);
  if (storedCrc !== actualCrc) {
    return `${where} fails its CRC32 check (stored 0x${hex8(storedCrc)}, computed 0x${hex8(actualCrc)}): it is damaged.`;
  }
  const lbas = ['myLba', 'alternateLba', 'firstUsableLba', 'lastUsableLba', 'entriesLba'] as const;
  const offsets = { myLba: 24, alternateLba: 32, firstUsableLba: 40, lastUsableLba: 48, entriesLba: 72 };
  const values: Record<(typeof lbas)[number], number> = { myLba: 0, alternateLba: 0, firstUsableLba: 0, lastUsableLba: 0, entriesLba: 0 };
  for (const field of lbas) {
    const raw = view.getBigUint64(offsets[field], true);
    if (raw > BigInt(Number.MAX_SAFE_INTEGER)) return `${where} holds an impossible ${field} (${raw}).`;
    values[field] = Number(raw);
  }
  const header: GptHeader = {
    revision: view.getUint32(8, true),
    headerSizeBytes,
    headerCrc32: storedCrc,
    ...values,
    diskGuid: guidText(sector, 56),
    entryCount: view.getUint32(80, true),
    entrySizeBytes: view.getUint32(84, true),
    entriesCrc32: view.getUint32(88, true),
  };
  return checkLayout(header, lba, sectorSizeBytes) ?? header;
}

function checkLayout(header: GptHeader, lba: number, sectorSizeBytes: number): string | null {
  const where = `The GPT header at LBA ${lba}`;
  if (header.myLba !== lba) return `${where} says it lives at LBA ${header.myLba}: it is a stray copy or damaged.`;
  if (header.alternateLba === header.myLba) return `${where} names itself as its own backup.`;
  const size = header.entrySizeBytes;
  if (size < GPT_ENTRY_MIN_BYTES || size > GPT_ENTRY_MAX_BYTES || size % GPT_ENTRY_MIN_BYTES !== 0) {
    return `${where} gives an entry size of ${size} bytes (valid: a multiple of 128 up to ${GPT_ENTRY_MAX_BYTES}).`;
  }
  if (header.entryCount < 1 || header.entryCount > GPT_MAX_ENTRIES || header.entryCount * size > GPT_MAX_ARRAY_BYTES) {
    return `${where} gives ${header.entryCount} entries of ${size} bytes (Lifeboat accepts 1 to ${GPT_MAX_ENTRIES}, at most ${GPT_MAX_ARRAY_BYTES} bytes in all).`;
  }
  const first = header.firstUsableLba;
  const last = header.lastUsableLba;
  if (first > last) return `${where} gives a usable range that ends (LBA ${last}) before it starts (LBA ${first}).`;
  const inUsable = (value: number): boolean => value >= first && value <= last;
  if (inUsable(header.myLba) || inUsable(header.alternateLba) || first < 1) {
    return `${where} gives a usable range (LBA ${first}–${last}) that covers LBA 0 or a GPT header.`;
  }
  const arrayStart = header.entriesLba;
  const arrayEnd = arrayStart + entriesSectors(header, sectorSizeBytes) - 1;
  const overlaps = (start: number, end: number): boolean => arrayStart <= end && start <= arrayEnd;
  if (arrayStart < 1 || overlaps(header.myLba, header.myLba) || overlaps(first, last)) {
    return `${where} puts its entries array (LBA ${arrayStart}–${arrayEnd}) over LBA 0, the header or the usable range (LBA ${first}–${last}).`;
  }
  return null;
}

/**
 * A header sector for `header`: the first headerSize bytes of `template` (so fields Lifeboat
 * does not know survive), the fields of `header` written over them, both CRCs taken as given
 * except the header CRC, which is recomputed. The rest of the sector is zero, as UEFI requires.
 */
export function serializeGptHeader(template: Uint8Array, header: GptHeader, sectorSizeBytes: number): Uint8Array {
  const sector = new Uint8Array(sectorSizeBytes);
  sector.set(template.subarray(0, header.headerSizeBytes));
  const view = dataView(sector);
  sector.set(
    Array.from(GPT_SIGNATURE, (c) => c.charCodeAt(0)),
    0,
  );
  view.setUint32(8, header.revision, true);
  view.setUint32(12, header.headerSizeBytes, true);
  view.setBigUint64(24, BigInt(header.myLba), true);
  view.setBigUint64(32, BigInt(header.alternateLba), true);
  view.setBigUint64(40, BigInt(header.firstUsableLba), true);
  view.setBigUint64(48, BigInt(header.lastUsableLba), true);
  sector.set(guidBytes(header.diskGuid), 56);
  view.setBigUint64(72, BigInt(header.entriesLba), true);
  view.setUint32(80, header.entryCount, true);
  view.setUint32(84, header.entrySizeBytes, true);
  view.setUint32(88, header.entriesCrc32, true);
  view.setUint32(CRC_OFFSET, headerCrc32(sector, header.headerSizeBytes), true);
  return sector;
}

export function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
