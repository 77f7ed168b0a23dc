/**
 * The MBR in LBA 0 (and the same 16-byte entry layout inside every EBR). Pure functions over
 * one sector's bytes.
 */
import { dataView } from '../core/bytes.js';
import type { MbrEntry } from './partition-table.js';

export const MBR_BYTES = 512;
const DISK_SIGNATURE_OFFSET = 440;
const ENTRIES_OFFSET = 446;
const ENTRY_BYTES = 16;
const BOOT_SIGNATURE_OFFSET = 510;

export const GPT_PROTECTIVE_TYPE = 0xee;
/** DOS extended (CHS), Windows extended (LBA) and Linux extended: all chain EBRs the same way. */
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);

export function isExtendedType(typeByte: number): boolean {
  return EXTENDED_TYPES.has(typeByte);
}

export function hasBootSignature(sector: Uint8Array): boolean {
  return sector.length >= MBR_BYTES && sector[BOOT_SIGNATURE_OFFSET] === 0x55 && sector[BOOT_SIGNATURE_OFFSET + 1] === 0xaa;
}

/** The four 16-byte entries of an MBR or EBR sector; start LBAs are as stored (not resolved). */
export function mbrEntries(sector: Uint8Array, firstNumber = 1): MbrEntry[] {
  const view = dataView(sector);
  return [0, 1, 2, 3].map((slot) => {
    const at = ENTRIES_OFFSET + slot * ENTRY_BYTES;
    const status = view.getUint8(at);
    return {
      number: firstNumber + slot,
      status,
      bootable: status === 0x80,
      typeByte: view.getUint8(at + 4),
      startLba: view.getUint32(at + 8, true),
      sectors: view.getUint32(at + 12, true),
    };
  });
}

/** The kernel skips entries with no sectors, whatever their type byte says. */
export function isUsedEntry(entry: MbrEntry): boolean {
  return entry.sectors > 0;
}

export type MbrSectorReading =
  | { isMbr: true; diskSignature: string; entries: MbrEntry[]; protective: boolean; hybrid: boolean }
  | { isMbr: false; reason: string };

/**
 * Decides whether LBA 0 holds a partition table, the way libblkid does: the 55 AA signature,
 * status bytes of 0x00 or 0x80 only, and not the boot sector of a filesystem written on the
 * whole disk (a FAT/NTFS/exFAT "superfloppy" also ends in 55 AA).
 */
export function readMbrSector(sector: Uint8Array): MbrSectorReading {
  if (!hasBootSignature(sector)) return { isMbr: false, reason: 'LBA 0 has no 55 AA boot signature' };
  if (looksLikeFilesystemBootSector(sector)) {
    return { isMbr: false, reason: 'LBA 0 is the boot sector of a filesystem that covers the whole disk' };
  }
  const entries = mbrEntries(sector);
  const badStatus = entries.find((entry) => entry.status !== 0x00 && entry.status !== 0x80);
  if (badStatus !== undefined) {
    return { isMbr: false, reason: `MBR slot ${badStatus.number} has status byte 0x${hex2(badStatus.status)} (only 0x00 and 0x80 are valid)` };
  }
  const used = entries.filter(isUsedEntry);
  const hasGptEntry = entries.some((entry) => entry.typeByte === GPT_PROTECTIVE_TYPE);
  const hybrid = hasGptEntry && used.some((entry) => entry.typeByte !== GPT_PROTECTIVE_TYPE);
  const signature = dataView(sector).getUint32(DISK_SIGNATURE_OFFSET, true);
  return {
    isMbr: true,
    diskSignature: signature.toString(16).padStart(8, '0'),
    entries,
    protective: hasGptEntry && !hybrid,
    hybrid,
  };
}

function looksLikeFilesystemBootSector(sector: Uint8Array): boolean {
  const jump = sector[0] === 0xeb || sector[0] === 0xe9;
  if (!jump) return false;
  const ascii = (start: number, length: number): string => String.fromCharCode(...sector.subarray(start, start + length));
  const bytesPerSector = dataView(sector).getUint16(0x0b, true);
  const saneSector = bytesPerSector >= 512 && bytesPerSector <= 4096 && (bytesPerSector & (bytesPerSector - 1)) === 0;
  if (ascii(3, 8) === 'NTFS    ' || ascii(3, 8) === 'EXFAT   ') return true;
  return saneSector && (ascii(0x36, 3) === 'FAT' || ascii(0x52, 5) === 'FAT32');
}

export function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/**
 * A protective MBR for a GPT disk of `diskSectors` sectors: the boot code and disk signature of
 * `template` are kept (a boot loader may live there), the four entries are replaced by one 0xEE
 * entry from LBA 1 over the whole disk, as the UEFI specification asks.
 */
export function protectiveMbr(template: Uint8Array | null, sectorSizeBytes: number, diskSectors: number): Uint8Array {
  const sector = new Uint8Array(sectorSizeBytes);
  if (template !== null) sector.set(template.subarray(0, ENTRIES_OFFSET));
  const view = dataView(sector);
  const at = ENTRIES_OFFSET;
  view.setUint8(at, 0x00);
  // CHS start 0/0/2 (= LBA 1) and CHS end "too big to say" (0xFFFFFF), as sgdisk writes them.
  sector.set([0x00, 0x02, 0x00], at + 1);
  view.setUint8(at + 4, GPT_PROTECTIVE_TYPE);
  sector.set([0xff, 0xff, 0xff], at + 5);
  view.setUint32(at + 8, 1, true);
  view.setUint32(at + 12, Math.min(diskSectors - 1, 0xffffffff), true);
  sector[BOOT_SIGNATURE_OFFSET] = 0x55;
  sector[BOOT_SIGNATURE_OFFSET + 1] = 0xaa;
  return sector;
}
