/**
 * Walking the attributes of an MFT record. Every length is checked against the record's bytes
 * in use before it is followed, so a zero or oversized length cannot loop or read out of bounds.
 */
import { dataView } from '../../core/bytes.js';
import { recordName, type MftRecord } from './mft-record.js';
import { ntfsCorrupt } from './ntfs-errors.js';

export const ATTRIBUTE_LIST = 0x20;
export const VOLUME_NAME = 0x60;
export const VOLUME_INFORMATION = 0x70;
export const DATA = 0x80;
const END_MARKER = 0xffffffff;

/** Headers are 24 bytes (resident) and 64 bytes (non-resident); an attribute is never shorter. */
const RESIDENT_HEADER_BYTES = 0x18;
const NON_RESIDENT_HEADER_BYTES = 0x40;

export interface NonResidentHeader {
  startVcn: number;
  /** -1 for an empty attribute. */
  lastVcn: number;
  /** Where the run list starts, from the start of the attribute. */
  runsOffset: number;
  /** The sizes are meaningful only in the extent that starts at VCN 0. */
  allocatedSizeBytes: number;
  dataSizeBytes: number;
  initializedSizeBytes: number;
}

export interface NtfsAttribute {
  type: number;
  name: string;
  /** The attribute's own bytes, header included. */
  bytes: Uint8Array;
  /** The value of a resident attribute; null when non-resident. */
  value: Uint8Array | null;
  nonResident: NonResidentHeader | null;
}

/** A signed 64-bit field that must be a safe integer (VCNs and sizes). */
function i64(view: DataView, offset: number, what: string): number {
  const value = view.getBigInt64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -1n) throw ntfsCorrupt(`${what} holds ${value}`);
  return Number(value);
}

/**
 * All attributes of a record, in order. The walk stops at the end marker; reaching the end of
 * the bytes in use without one is damage. At most bytesInUse / 24 attributes can exist, which
 * bounds the loop (a record is at most 64 KiB).
 */
export function attributesOf(record: MftRecord): NtfsAttribute[] {
  const where = recordName(record.recordNumber);
  const view = dataView(record.bytes);
  const found: NtfsAttribute[] = [];
  let offset = record.attributesOffset;
  while (offset + 4 <= record.bytesInUse) {
    const type = view.getUint32(offset, true);
    if (type === END_MARKER) return found;
    if (offset + RESIDENT_HEADER_BYTES > record.bytesInUse) break;
    const length = view.getUint32(offset + 4, true);
    const nonResident = view.getUint8(offset + 8) !== 0;
    const minimum = nonResident ? NON_RESIDENT_HEADER_BYTES : RESIDENT_HEADER_BYTES;
    if (length < minimum || length % 8 !== 0 || offset + length > record.bytesInUse) {
      throw ntfsCorrupt(`${where} has an attribute (type 0x${type.toString(16)}) at byte ${offset} with an impossible length of ${length} bytes`);
    }
    const bytes = record.bytes.subarray(offset, offset + length);
    found.push(parseAttribute(bytes, type, nonResident, `${where}, attribute 0x${type.toString(16)}`));
    offset += length;
  }
  throw ntfsCorrupt(`${where} has no end-of-attributes marker within its ${record.bytesInUse} bytes in use`);
}

function parseAttribute(bytes: Uint8Array, type: number, isNonResident: boolean, where: string): NtfsAttribute {
  const view = dataView(bytes);
  const nameLength = view.getUint8(9);
  const nameOffset = view.getUint16(10, true);
  if (nameLength > 0 && nameOffset + nameLength * 2 > bytes.length) throw ntfsCorrupt(`${where} has a name that runs past the attribute`);
  const name = nameLength === 0 ? '' : new TextDecoder('utf-16le').decode(bytes.subarray(nameOffset, nameOffset + nameLength * 2));
  if (!isNonResident) {
    const valueLength = view.getUint32(0x10, true);
    const valueOffset = view.getUint16(0x14, true);
    if (valueOffset + valueLength > bytes.length) throw ntfsCorrupt(`${where} has a resident value that runs past the attribute`);
    return { type, name, bytes, value: bytes.subarray(valueOffset, valueOffset + valueLength), nonResident: null };
  }
  const header: NonResidentHeader = {
    startVcn: i64(view, 0x10, `${where}'s first VCN`),
    lastVcn: i64(view, 0x18, `${where}'s last VCN`),
    runsOffset: view.getUint16(0x20, true),
    allocatedSizeBytes: i64(view, 0x28, `${where}'s allocated size`),
    dataSizeBytes: i64(view, 0x30, `${where}'s data size`),
    initializedSizeBytes: i64(view, 0x38, `${where}'s initialized size`),
  };
  const sizes = [header.allocatedSizeBytes, header.dataSizeBytes, header.initializedSizeBytes];
  if (
    header.startVcn < 0 ||
    header.lastVcn < header.startVcn - 1 ||
    header.runsOffset < NON_RESIDENT_HEADER_BYTES ||
    header.runsOffset > bytes.length ||
    sizes.some((size) => size < 0)
  ) {
    throw ntfsCorrupt(`${where} has an impossible non-resident header (VCNs ${header.startVcn} to ${header.lastVcn}, runs at byte ${header.runsOffset})`);
  }
  return { type, name, bytes, value: null, nonResident: header };
}

/** The attributes of one type and name (the unnamed one by default). */
export function attributesNamed(record: MftRecord, type: number, name = ''): NtfsAttribute[] {
  return attributesOf(record).filter((attribute) => attribute.type === type && attribute.name === name);
}
