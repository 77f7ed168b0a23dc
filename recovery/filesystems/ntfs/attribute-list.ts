/**
 * Joining the extents of a non-resident attribute. A file with too many runs for one record
 * (a fragmented $MFT, a huge fragmented file) has an $ATTRIBUTE_LIST in its base record naming,
 * for each extent, the record that holds it and the VCN it starts at. Extents must follow each
 * other without gap or overlap, which also stops lists that point in circles or repeat.
 */
import { dataView } from '../../core/bytes.js';
import { appendRuns, decodeDataRuns, type DataRun } from './data-runs.js';
import { ATTRIBUTE_LIST, attributesOf, type NtfsAttribute } from './ntfs-attributes.js';
import { ntfsCorrupt, ntfsLimit } from './ntfs-errors.js';
import { recordName, type MftRecord } from './mft-record.js';
import type { AttributeRuns, NtfsVolume } from './ntfs-volume.js';

/** Windows caps an attribute list at 256 KiB; anything longer is hostile. */
export const MAX_ATTRIBUTE_LIST_BYTES = 256 * 1024;
/**
 * Extents one attribute may have. Each extension record holds a hundred runs or more, so 4096
 * extents describe hundreds of thousands of fragments; the bound caps reads at 4096 records.
 */
export const MAX_EXTENTS = 4096;
/** An entry's fixed part: type, length, name length/offset, first VCN, record reference, id. */
const ENTRY_HEADER_BYTES = 0x1a;

interface ListEntry {
  startVcn: number;
  recordNumber: number;
}

/**
 * The runs of the attribute `type` (unnamed) of the file whose base record is `base`, appended
 * to `runs` extent by extent; `onExtent` runs after each so $MFT can read its next extension
 * record through the runs found so far.
 */
export async function collectDataRuns(
  volume: NtfsVolume,
  base: MftRecord,
  type: number,
  runs: DataRun[],
  onExtent: () => void = () => {},
): Promise<AttributeRuns> {
  const where = `${recordName(base.recordNumber)}'s attribute 0x${type.toString(16)}`;
  const clusterCount = volume.geometry.clusterCount;
  const attributes = attributesOf(base);
  const list = attributes.find((attribute) => attribute.type === ATTRIBUTE_LIST);
  let first: NtfsAttribute | undefined;

  if (list === undefined) {
    const extents = attributes.filter((attribute) => attribute.type === type && attribute.name === '');
    extents.sort((a, b) => (a.nonResident?.startVcn ?? 0) - (b.nonResident?.startVcn ?? 0));
    for (const extent of extents) {
      appendRuns(runs, decodeDataRuns(extent, clusterCount, where), where);
      onExtent();
    }
    first = extents[0];
  } else {
    const entries = parseAttributeList(await attributeListBytes(volume, list, base), type, `${recordName(base.recordNumber)}'s $ATTRIBUTE_LIST`);
    if (entries.length > MAX_EXTENTS) throw ntfsLimit(`${where} is split into ${entries.length} extents (at most ${MAX_EXTENTS} allowed)`);
    // Only the last record read is kept: extents of one record are listed next to each other.
    let record = base;
    for (const entry of entries) {
      if (entry.recordNumber !== record.recordNumber) {
        record = entry.recordNumber === base.recordNumber ? base : await volume.readRecord(entry.recordNumber);
        if (record !== base && record.baseRecordNumber !== base.recordNumber) {
          throw ntfsCorrupt(`${where} lists ${recordName(entry.recordNumber)} as an extension, but that record belongs to record ${record.baseRecordNumber}`);
        }
      }
      const extent = attributesOf(record).find((a) => a.type === type && a.name === '' && a.nonResident?.startVcn === entry.startVcn);
      if (extent === undefined)
        throw ntfsCorrupt(
          `${where}: the extent starting at VCN ${entry.startVcn} is not in ${recordName(entry.recordNumber)}, where the attribute list says it is`,
        );
      appendRuns(runs, decodeDataRuns(extent, clusterCount, where), where);
      onExtent();
      if (entry.startVcn === 0) first = extent;
    }
  }

  const sizes = first?.nonResident;
  if (sizes === undefined || sizes === null || sizes.startVcn !== 0) throw ntfsCorrupt(`${where} is missing or is not stored as data runs`);
  if (sizes.initializedSizeBytes > sizes.dataSizeBytes || sizes.dataSizeBytes > sizes.allocatedSizeBytes) {
    throw ntfsCorrupt(
      `${where} has impossible sizes (initialized ${sizes.initializedSizeBytes}, data ${sizes.dataSizeBytes}, allocated ${sizes.allocatedSizeBytes} bytes)`,
    );
  }
  return { runs, dataSizeBytes: sizes.dataSizeBytes, initializedSizeBytes: sizes.initializedSizeBytes };
}

/** The list's bytes, resident or not; a non-resident list is described by runs in the base record itself. */
async function attributeListBytes(volume: NtfsVolume, list: NtfsAttribute, base: MftRecord): Promise<Uint8Array> {
  if (list.value !== null) return list.value;
  const where = `${recordName(base.recordNumber)}'s $ATTRIBUTE_LIST`;
  const sizeBytes = list.nonResident?.dataSizeBytes ?? 0;
  if (sizeBytes > MAX_ATTRIBUTE_LIST_BYTES) throw ntfsLimit(`${where} is ${sizeBytes} bytes long (at most ${MAX_ATTRIBUTE_LIST_BYTES} allowed)`);
  const listRuns = decodeDataRuns(list, volume.geometry.clusterCount, where);
  return volume.readRuns(listRuns, 0, sizeBytes, where);
}

/** Entries for unnamed attributes of `type`, sorted by first VCN. */
function parseAttributeList(bytes: Uint8Array, type: number, where: string): ListEntry[] {
  const view = dataView(bytes);
  const entries: ListEntry[] = [];
  let at = 0;
  // Each step advances by at least ENTRY_HEADER_BYTES, so the loop runs at most length / 26 times.
  while (at + ENTRY_HEADER_BYTES <= bytes.length) {
    const entryType = view.getUint32(at, true);
    const length = view.getUint16(at + 4, true);
    if (length < ENTRY_HEADER_BYTES || at + length > bytes.length)
      throw ntfsCorrupt(`${where} has an entry at byte ${at} with an impossible length of ${length}`);
    const nameLength = view.getUint8(at + 6);
    if (entryType === type && nameLength === 0) {
      const startVcn = view.getBigUint64(at + 8, true);
      if (startVcn > BigInt(Number.MAX_SAFE_INTEGER)) throw ntfsCorrupt(`${where} has an entry starting at VCN ${startVcn}`);
      const recordNumber = view.getUint32(at + 0x10, true) + view.getUint16(at + 0x14, true) * 2 ** 32;
      entries.push({ startVcn: Number(startVcn), recordNumber });
    }
    at += length;
  }
  entries.sort((a, b) => a.startVcn - b.startVcn);
  return entries;
}
