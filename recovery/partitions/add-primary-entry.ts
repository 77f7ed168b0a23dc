/**
 * Adding one primary partition to an existing MBR, pure over the bytes of LBA 0 and LBA 1. Used by
 * `lifeboat media write` to give a hybrid live image (ISO 9660 + EFI partition) a data partition
 * behind it. The boot code, the disk signature and the other three entries stay byte for byte;
 * only the 16 bytes of the first free slot change.
 */
import { dataView } from '../core/bytes.js';
import { LifeboatError } from '../core/errors.js';
import { hasGptSignature } from './gpt-header.js';
import { GPT_PROTECTIVE_TYPE, hex2, isUsedEntry, readMbrSector } from './mbr.js';

/** An MBR entry holds 32-bit LBAs: no partition may end past 2^32 sectors (2 TiB with 512-byte sectors). */
export const MBR_MAX_SECTORS = 2 ** 32;
const ENTRIES_OFFSET = 446;
const ENTRY_BYTES = 16;

export interface PrimaryEntryRequest {
  /** The MBR type byte of the new partition (0x07: exFAT/NTFS). */
  typeByte: number;
  /** The new partition starts at or after this byte (for example the end of an image). */
  afterBytes: number;
  /** Its start is rounded up to a multiple of this (1 MiB); a multiple of the sector size. */
  alignBytes: number;
  diskSizeBytes: number;
  sectorSizeBytes: number;
}

export interface AddedPrimaryEntry {
  /** LBA 0 with the new entry; everything else as it was. */
  sector: Uint8Array;
  /** The slot, 1 to 4 (the Linux partition number). */
  number: number;
  startLba: number;
  sectors: number;
  /** True when the disk is larger than an MBR can address: the partition ends at 2^32 sectors. */
  capped: boolean;
}

/** CHS for an LBA in the 255-head, 63-sector geometry every tool assumes; past cylinder 1023, the "use LBA" marker. */
export function chsBytes(lba: number): [number, number, number] {
  const cylinder = Math.floor(lba / (255 * 63));
  if (cylinder > 1023) return [0xfe, 0xff, 0xff];
  const head = Math.floor(lba / 63) % 255;
  const sector = (lba % 63) + 1;
  return [head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff];
}

function noSlot(sentence: string): LifeboatError {
  return new LifeboatError('MEDIA_NO_FREE_SLOT', sentence);
}

/**
 * LBA 0 with one more primary entry of `request.typeByte`: in the first free slot, starting at the
 * first `alignBytes` boundary after `afterBytes` and after the end of every existing entry, and
 * reaching to the end of the disk (or to the MBR's 2^32-sector limit). Refused: no MBR, a GPT (a
 * protective 0xEE entry, or a GPT signature at LBA 1, which the firmware could prefer), four used
 * slots, an entry that reaches past the end of the disk, or no room left.
 */
export function addPrimaryEntry(lba0: Uint8Array, lba1: Uint8Array | null, request: PrimaryEntryRequest): AddedPrimaryEntry {
  const ss = request.sectorSizeBytes;
  if (!Number.isSafeInteger(ss) || ss < 512 || ss > 4096 || (ss & (ss - 1)) !== 0 || lba0.length < ss) {
    throw new LifeboatError('USAGE', `A sector of ${lba0.length} bytes with a sector size of ${ss} bytes cannot hold an MBR.`);
  }
  if (request.alignBytes <= 0 || request.alignBytes % ss !== 0) {
    throw new LifeboatError('USAGE', `The alignment ${request.alignBytes} is not a whole number of ${ss}-byte sectors.`);
  }
  const reading = readMbrSector(lba0);
  if (!reading.isMbr)
    throw noSlot(`The image has no MBR partition table (${reading.reason}), so no data partition can be added to it; write it with --no-data-partition.`);
  if (reading.entries.some((entry) => entry.typeByte === GPT_PROTECTIVE_TYPE) || (lba1 !== null && hasGptSignature(lba1))) {
    throw noSlot(
      'The image has a GPT (a protective 0xEE entry or a GPT header at LBA 1); an entry added to its MBR would disagree with the GPT, so no data partition can be added. Write it with --no-data-partition.',
    );
  }
  const diskSectors = Math.floor(request.diskSizeBytes / ss);
  let endLba = 0;
  for (const entry of reading.entries.filter(isUsedEntry)) {
    const entryEnd = entry.startLba + entry.sectors;
    if (entryEnd > diskSectors) {
      throw new LifeboatError(
        'CORRUPT_PARTITION_TABLE',
        `MBR partition ${entry.number} (type 0x${hex2(entry.typeByte)}, LBA ${entry.startLba}-${entryEnd - 1}) reaches past the end of the disk (${diskSectors} sectors); the table is damaged or meant for a bigger disk.`,
        {
          details: { offsetBytes: ENTRIES_OFFSET + (entry.number - 1) * ENTRY_BYTES },
        },
      );
    }
    endLba = Math.max(endLba, entryEnd);
  }
  const free = reading.entries.find((entry) => !isUsedEntry(entry));
  if (free === undefined)
    throw noSlot("All four primary slots of the image's MBR are in use, so no data partition can be added; write it with --no-data-partition.");

  // LBA 0 is the MBR itself: nothing starts before LBA 1.
  const afterBytes = Math.max(request.afterBytes, endLba * ss, ss);
  const startLba = (Math.ceil(afterBytes / request.alignBytes) * request.alignBytes) / ss;
  const limit = Math.min(diskSectors, MBR_MAX_SECTORS);
  if (startLba >= limit) {
    throw new LifeboatError(
      'OUT_OF_RANGE',
      `There is no room for a partition after byte ${afterBytes}: the disk has ${diskSectors} sectors of ${ss} bytes and an MBR partition must start below sector ${MBR_MAX_SECTORS}.`,
    );
  }
  const sectors = limit - startLba;
  // A copy (Buffer's slice would be a view): the caller's sector must stay as it was.
  const sector = new Uint8Array(lba0.subarray(0, ss));
  const at = ENTRIES_OFFSET + (free.number - 1) * ENTRY_BYTES;
  const view = dataView(sector);
  sector.fill(0, at, at + ENTRY_BYTES);
  sector.set(chsBytes(startLba), at + 1);
  view.setUint8(at + 4, request.typeByte);
  sector.set(chsBytes(startLba + sectors - 1), at + 5);
  view.setUint32(at + 8, startLba, true);
  view.setUint32(at + 12, sectors, true);
  return { sector, number: free.number, startLba, sectors, capped: diskSectors > MBR_MAX_SECTORS };
}
