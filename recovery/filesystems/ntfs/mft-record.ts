/**
 * One MFT record: the "FILE" header and the update sequence (fixups). NTFS writes the last two
 * bytes of every 512-byte stride of a record into an array in the header and puts a sequence
 * number in their place, so a torn write shows up as a mismatch. The stride is 512 bytes
 * whatever the sector size.
 */
import { dataView } from '../../core/bytes.js';
import { ntfsCorrupt } from './ntfs-errors.js';

export const FIXUP_STRIDE_BYTES = 512;
/** Header flag: the record describes a file that exists. */
export const RECORD_IN_USE = 0x0001;
/** The header of records written since Windows XP ends here (it holds the record's own number at 0x2C). */
const XP_HEADER_BYTES = 0x30;
/** The oldest header (NT 4) is 0x2A bytes: its update sequence array starts there. */
const MIN_HEADER_BYTES = 0x2a;

export interface MftRecord {
  recordNumber: number;
  /** The whole record with fixups applied (a private copy: the source's bytes are not touched). */
  bytes: Uint8Array;
  flags: number;
  /** Non-zero for an extension record: the number of the base record it belongs to. */
  baseRecordNumber: number;
  attributesOffset: number;
  bytesInUse: number;
}

/** Human name of the well-known records, for error messages. */
export function recordName(recordNumber: number): string {
  const names = ['$MFT', '$MFTMirr', '$LogFile', '$Volume', '$AttrDef', 'root directory', '$Bitmap', '$Boot'];
  const name = names[recordNumber];
  return name === undefined ? `MFT record ${recordNumber}` : `MFT record ${recordNumber} (${name})`;
}

/**
 * Checks and undoes the fixups of `bytes` in place. Throws CORRUPT_FILESYSTEM when the array is
 * malformed or a stride's last two bytes do not hold the sequence number (a torn or foreign record).
 */
export function applyFixups(bytes: Uint8Array, where: string): void {
  const view = dataView(bytes);
  const strides = bytes.length / FIXUP_STRIDE_BYTES;
  const arrayOffset = view.getUint16(4, true);
  const arrayCount = view.getUint16(6, true);
  // The array holds the sequence number and one saved u16 per stride, and must fit before the
  // first stride's own protected last two bytes.
  if (
    !Number.isInteger(strides) ||
    arrayCount !== strides + 1 ||
    arrayOffset % 2 !== 0 ||
    arrayOffset < MIN_HEADER_BYTES ||
    arrayOffset + 2 * arrayCount > FIXUP_STRIDE_BYTES - 2
  ) {
    throw ntfsCorrupt(`${where} has an impossible update sequence array (offset ${arrayOffset}, ${arrayCount} entries for a ${bytes.length}-byte record)`);
  }
  const sequence = view.getUint16(arrayOffset, true);
  for (let stride = 0; stride < strides; stride++) {
    const end = (stride + 1) * FIXUP_STRIDE_BYTES - 2;
    if (view.getUint16(end, true) !== sequence) {
      throw ntfsCorrupt(`${where} fails its fixup check in 512-byte block ${stride} (the record was torn during a write or is not an MFT record)`);
    }
    view.setUint16(end, view.getUint16(arrayOffset + 2 + 2 * stride, true), true);
  }
}

/** Parses one record read from the MFT. `raw` is not modified. */
export function parseMftRecord(raw: Uint8Array, recordNumber: number): MftRecord {
  const where = recordName(recordNumber);
  const bytes = raw.slice();
  const signature = String.fromCharCode(...bytes.subarray(0, 4));
  if (signature === 'BAAD') throw ntfsCorrupt(`${where} is marked BAAD (NTFS found it damaged)`);
  if (signature !== 'FILE') throw ntfsCorrupt(`${where} does not start with "FILE"; the MFT or the runs that locate it are damaged`);
  applyFixups(bytes, where);

  const view = dataView(bytes);
  const attributesOffset = view.getUint16(0x14, true);
  const flags = view.getUint16(0x16, true);
  const bytesInUse = view.getUint32(0x18, true);
  const arrayOffset = view.getUint16(4, true);
  // Attributes start after the header and the update sequence array, 8-byte aligned; the
  // end marker (4 bytes) must fit in the bytes in use.
  if (
    attributesOffset % 8 !== 0 ||
    attributesOffset < arrayOffset + 2 * view.getUint16(6, true) ||
    bytesInUse > bytes.length ||
    attributesOffset + 4 > bytesInUse
  ) {
    throw ntfsCorrupt(`${where} has an impossible layout (attributes at ${attributesOffset}, ${bytesInUse} bytes in use of ${bytes.length})`);
  }
  if (arrayOffset >= XP_HEADER_BYTES && view.getUint32(0x2c, true) !== recordNumber) {
    throw ntfsCorrupt(`${where} says it is record ${view.getUint32(0x2c, true)}; the runs that locate the MFT are damaged`);
  }
  // The base reference is 48 bits of record number and 16 bits of sequence number.
  const baseRecordNumber = view.getUint32(0x20, true) + view.getUint16(0x24, true) * 2 ** 32;
  return { recordNumber, bytes, flags, baseRecordNumber, attributesOffset, bytesInUse };
}
