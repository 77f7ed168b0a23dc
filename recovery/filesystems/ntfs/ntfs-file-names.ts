/**
 * Paths of NTFS files from their $FILE_NAME attributes: each holds the name and a reference to
 * the parent directory's record, so a path is the chain of parents up to the root (record 5).
 * Records are read leniently (a damaged or unused one just has no name), chains are cut at a
 * fixed depth, and directory paths are cached, so naming many files costs few record reads.
 */
import { dataView } from '../../core/bytes.js';
import { isLifeboatError } from '../../core/errors.js';
import { attributesOf } from './ntfs-attributes.js';
import { parseMftRecord, RECORD_IN_USE, type MftRecord } from './mft-record.js';
import type { NtfsVolume } from './ntfs-volume.js';

const FILE_NAME = 0x30;
export const ROOT_RECORD = 5;
/** DOS-only (8.3) names duplicate a long name; they are used only when nothing else exists. */
const NAMESPACE_DOS = 2;
/** Deeper chains are damage (or a cycle): Windows paths end far earlier. */
const MAX_DEPTH = 1024;
const MAX_NAMES_PER_RECORD = 8;

interface FileName {
  parent: number;
  name: string;
}

/** The record, or null when it cannot be read, fails its checks or is not in use. */
export async function readRecordLeniently(volume: NtfsVolume, recordNumber: number): Promise<MftRecord | null> {
  if (!Number.isSafeInteger(recordNumber) || recordNumber < 0 || recordNumber >= volume.recordCount) return null;
  const recordBytes = volume.geometry.mftRecordSizeBytes;
  try {
    const record = parseMftRecord(await volume.readRuns(volume.mftRuns, recordNumber * recordBytes, recordBytes, '$MFT'), recordNumber);
    return record.flags & RECORD_IN_USE ? record : null;
  } catch (error) {
    if (isLifeboatError(error)) return null;
    throw error;
  }
}

/** The record's names, long ones first; DOS 8.3 names only when it has no other. */
export function fileNamesOf(record: MftRecord): FileName[] {
  const long: FileName[] = [];
  const dos: FileName[] = [];
  let attributes;
  try {
    attributes = attributesOf(record);
  } catch (error) {
    if (isLifeboatError(error)) return [];
    throw error;
  }
  for (const attribute of attributes) {
    const value = attribute.value;
    if (attribute.type !== FILE_NAME || value === null || value.length < 0x42) continue;
    const view = dataView(value);
    const length = view.getUint8(0x40);
    if (0x42 + length * 2 > value.length) continue;
    const entry = {
      parent: view.getUint32(0, true) + view.getUint16(4, true) * 2 ** 32,
      name: new TextDecoder('utf-16le').decode(value.subarray(0x42, 0x42 + length * 2)),
    };
    (view.getUint8(0x41) === NAMESPACE_DOS ? dos : long).push(entry);
  }
  return long.length > 0 ? long : dos;
}

export class NtfsNames {
  private readonly directories = new Map<number, string | null>([[ROOT_RECORD, '']]);

  constructor(private readonly volume: NtfsVolume) {}

  /** Every path of a record ("/a/b.txt"; "/" for the root), at most a few; empty when none can be found. */
  async pathsOf(recordNumber: number): Promise<string[]> {
    if (recordNumber === ROOT_RECORD) return ['/'];
    const record = await readRecordLeniently(this.volume, recordNumber);
    if (record === null) return [];
    const paths: string[] = [];
    for (const { parent, name } of fileNamesOf(record).slice(0, MAX_NAMES_PER_RECORD)) {
      const parentPath = await this.directoryPath(parent, 0);
      if (parentPath !== null) paths.push(`${parentPath}/${name}`);
    }
    return [...new Set(paths)];
  }

  private async directoryPath(recordNumber: number, depth: number): Promise<string | null> {
    const known = this.directories.get(recordNumber);
    if (known !== undefined) return known;
    if (depth > MAX_DEPTH) return null;
    const record = await readRecordLeniently(this.volume, recordNumber);
    const first = record === null ? undefined : fileNamesOf(record)[0];
    // A directory naming itself as its own parent anywhere but the root is a cycle.
    const parentPath = first === undefined || first.parent === recordNumber ? null : await this.directoryPath(first.parent, depth + 1);
    const path = parentPath === null || first === undefined ? null : `${parentPath}/${first.name}`;
    this.directories.set(recordNumber, path);
    return path;
  }
}
