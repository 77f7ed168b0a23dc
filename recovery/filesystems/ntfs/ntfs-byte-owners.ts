/**
 * The owner mapper of NTFS: every MFT record in use is read once, the run lists of its
 * non-resident attributes ($DATA streams, directory indexes, attribute lists...) are compared
 * with the queried byte ranges, and the records found are named through their $FILE_NAME
 * parents. System files ($MFT, $LogFile, $Secure...) are named as NTFS structures; a queried
 * part of $MFT itself names the records it held and whether they were in use.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { isLifeboatError } from '../../core/errors.js';
import { OwnerLists, QueryIndex, type ByteOwner, type ByteOwnerMapper, type OwnerQuery } from '../owner-queries.js';
import { collectDataRuns } from './attribute-list.js';
import { decodeDataRuns } from './data-runs.js';
import { attributesOf, DATA } from './ntfs-attributes.js';
import { NtfsNames, readRecordLeniently, ROOT_RECORD } from './ntfs-file-names.js';
import { parseMftRecord, RECORD_IN_USE } from './mft-record.js';
import { MFT_RECORD, NtfsVolume } from './ntfs-volume.js';

/** MFT bytes read at once while scanning. */
const MFT_READ_BYTES = 1024 * 1024;
const INDEX_ALLOCATION = 0xa0;
const BITMAP = 0xb0;
/** Records 0-23 are reserved for the filesystem's own files. */
const FIRST_USER_RECORD = 24;
const TYPE_NAMES = new Map<number, string>([
  [0x20, '$ATTRIBUTE_LIST'],
  [0xb0, '$BITMAP'],
  [0xc0, '$REPARSE_POINT'],
  [0xe0, '$EA'],
  [0x100, '$LOGGED_UTILITY_STREAM'],
]);

interface RecordHit {
  query: number;
  record: number;
  type: number;
  name: string;
  attributeOffsetBytes: number;
  lengthBytes: number;
}

/** Reads the MFT in pieces and reports each queried cluster range a record's runs reach. */
async function scanRecords(volume: NtfsVolume, index: QueryIndex): Promise<RecordHit[]> {
  const { clusterSizeBytes: clusterBytes, clusterCount, mftRecordSizeBytes: recordBytes } = volume.geometry;
  const perRead = Math.max(1, Math.floor(MFT_READ_BYTES / recordBytes));
  const hits: RecordHit[] = [];
  for (let first = 0; first < volume.recordCount; first += perRead) {
    const count = Math.min(perRead, volume.recordCount - first);
    let bytes: Uint8Array;
    try {
      bytes = await volume.readRuns(volume.mftRuns, first * recordBytes, count * recordBytes, '$MFT');
    } catch (error) {
      if (isLifeboatError(error)) continue;
      throw error;
    }
    for (let i = 0; i < count; i++) {
      const raw = bytes.subarray(i * recordBytes, (i + 1) * recordBytes);
      // Unused, zeroed (unreadable) and damaged records own nothing that can be named.
      if (raw[0] !== 0x46 || raw[1] !== 0x49 || raw[2] !== 0x4c || raw[3] !== 0x45) continue;
      try {
        const record = parseMftRecord(raw, first + i);
        if (!(record.flags & RECORD_IN_USE)) continue;
        const owner = record.baseRecordNumber === 0 ? record.recordNumber : record.baseRecordNumber;
        for (const attribute of attributesOf(record)) {
          if (attribute.nonResident === null) continue;
          for (const run of decodeDataRuns(attribute, clusterCount, `MFT record ${record.recordNumber}`)) {
            if (run.lcn === null) continue;
            for (const hit of index.hits(run.lcn * clusterBytes, (run.lcn + run.lengthClusters) * clusterBytes)) {
              const attributeOffsetBytes = run.vcn * clusterBytes + (hit.startBytes - run.lcn * clusterBytes);
              hits.push({
                query: hit.query,
                record: owner,
                type: attribute.type,
                name: attribute.name,
                attributeOffsetBytes,
                lengthBytes: hit.endBytes - hit.startBytes,
              });
            }
          }
        }
      } catch (error) {
        if (!isLifeboatError(error)) throw error;
      }
    }
  }
  return hits;
}

/** Which of the records first..last $MFT's own bitmap marks in use; null when it cannot be read. */
async function recordsInUse(volume: NtfsVolume, first: number, last: number): Promise<boolean[] | null> {
  try {
    const base = await readRecordLeniently(volume, MFT_RECORD);
    if (base === null) return null;
    const resident = attributesOf(base).find((a) => a.type === BITMAP && a.name === '' && a.value !== null)?.value;
    const firstByte = Math.floor(first / 8);
    const bytes = resident
      ? resident.subarray(firstByte, Math.floor(last / 8) + 1)
      : await volume.readRuns((await collectDataRuns(volume, base, BITMAP, [])).runs, firstByte, Math.floor(last / 8) + 1 - firstByte, "$MFT's $BITMAP");
    return Array.from({ length: last - first + 1 }, (_, i) => (((bytes[((first + i) >> 3) - firstByte] ?? 0) >> ((first + i) & 7)) & 1) === 1);
  } catch (error) {
    if (isLifeboatError(error)) return null;
    throw error;
  }
}

async function mftOwner(volume: NtfsVolume, hit: RecordHit): Promise<ByteOwner> {
  const recordBytes = volume.geometry.mftRecordSizeBytes;
  const first = Math.floor(hit.attributeOffsetBytes / recordBytes);
  const last = Math.floor((hit.attributeOffsetBytes + hit.lengthBytes - 1) / recordBytes);
  const span = first === last ? `record ${first}` : `records ${first}-${last}`;
  const inUse = await recordsInUse(volume, first, last);
  const used = inUse?.filter(Boolean).length ?? 0;
  const state = inUse === null ? '' : used === 0 ? ', not in use' : `, ${used} in use: the files they describe are lost`;
  return { kind: 'metadata', name: `$MFT (${span}${state})` };
}

function attributeOwner(path: string, hit: RecordHit, system: boolean): ByteOwner {
  const shown = system ? path.replace(/^\//, '') : path;
  const content = { fileOffsetBytes: hit.attributeOffsetBytes, lengthBytes: hit.lengthBytes };
  if (hit.type === DATA) return { kind: system ? 'metadata' : 'file', name: hit.name === '' ? shown : `${shown}:${hit.name}`, ...content };
  if (hit.type === INDEX_ALLOCATION)
    return hit.name === '$I30' && !system ? { kind: 'directory', name: path } : { kind: 'metadata', name: `${shown} (${hit.name || 'unnamed'} index)` };
  const typeName = TYPE_NAMES.get(hit.type) ?? `attribute 0x${hit.type.toString(16)}`;
  return { kind: 'metadata', name: `${typeName}${hit.name ? ` ${hit.name}` : ''} of ${shown}` };
}

export const ntfsByteOwners: ByteOwnerMapper = async (source: ByteSource, queries: readonly OwnerQuery[]): Promise<ByteOwner[][]> => {
  const volume = await NtfsVolume.open(source);
  const { totalSectors, bytesPerSector, clusterCount, clusterSizeBytes } = volume.geometry;
  const index = new QueryIndex(queries);
  const owners = new OwnerLists(queries.length);
  const coveredBytes = new Float64Array(queries.length);
  const volumeEnd = totalSectors * bytesPerSector;
  // Past the last whole cluster: sectors no cluster holds (unused), then the backup boot sector.
  const tail: Array<[number, number, string]> = [
    [clusterCount * clusterSizeBytes, volumeEnd, 'NTFS sectors after the last whole cluster (unused)'],
    [volumeEnd, volumeEnd + bytesPerSector, 'NTFS backup boot sector'],
    [volumeEnd + bytesPerSector, source.sizeBytes, 'space after the NTFS volume'],
  ];
  for (const [from, to, name] of tail) {
    for (const hit of index.hits(from, to)) {
      owners.add(hit.query, { kind: 'metadata', name });
      coveredBytes[hit.query] = (coveredBytes[hit.query] ?? 0) + hit.endBytes - hit.startBytes;
    }
  }
  const names = new NtfsNames(volume);
  for (const hit of await scanRecords(volume, index)) {
    coveredBytes[hit.query] = (coveredBytes[hit.query] ?? 0) + hit.lengthBytes;
    if (hit.record === MFT_RECORD && hit.type === DATA) {
      owners.add(hit.query, await mftOwner(volume, hit));
      continue;
    }
    const paths = await names.pathsOf(hit.record);
    if (paths.length === 0) owners.add(hit.query, { kind: 'unknown', name: `NTFS MFT record ${hit.record} (no path found)` });
    // The root directory (record 5) is a directory like any other; the other reserved records are NTFS's own files.
    const system = (hit.record < FIRST_USER_RECORD && hit.record !== ROOT_RECORD) || paths.some((p) => p.startsWith('/$Extend/'));
    for (const path of paths) owners.add(hit.query, attributeOwner(path, hit, system));
  }
  queries.forEach((q, i) => {
    if ((coveredBytes[i] ?? 0) < q.lengthBytes) owners.add(i, { kind: 'unknown', name: 'NTFS clusters marked in use that no file owns' });
  });
  return owners.lists;
};
