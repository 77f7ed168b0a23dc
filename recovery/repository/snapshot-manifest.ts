/**
 * Serialises and parses snapshot manifests: header, section table, sections, SHA-256 trailer.
 * The parser checks every count and bound against the file before it trusts or allocates
 * anything, because a manifest may come from a damaged stick or a hostile source.
 */
import { createHash } from 'node:crypto';
import { LifeboatError } from '../core/errors.js';
import { DIGEST_BYTES, MANIFEST_MAGIC, MANIFEST_VERSION, MAX_JSON_SECTION_BYTES, MAX_METADATA_SECTION_BYTES, isValidChunkSize } from './format-constants.js';
import { badRangesProblem, parseBadRanges, SECTION_BAD_RANGES, serializeBadRanges } from './snapshot-bad-ranges.js';
import { SNAPSHOT_SCHEMA, type SnapshotContent, type SnapshotDescription } from './snapshot-types.js';

const SECTION_JSON = 1;
const SECTION_METADATA = 2;
const SECTION_RANGES = 3;
const SECTION_DIGESTS = 4;
const HEADER_BYTES = 16;
const SECTION_ENTRY_BYTES = 24;

export function serializeManifest(content: SnapshotContent): { bytes: Buffer; id: string } {
  const ranges = Buffer.alloc(content.ranges.length * 8);
  for (const [i, value] of content.ranges.entries()) ranges.writeBigUInt64LE(BigInt(value), i * 8);
  const sections: Array<[number, Buffer]> = [
    [SECTION_JSON, Buffer.from(JSON.stringify(content.description), 'utf8')],
    [SECTION_METADATA, content.metadataBytes],
    [SECTION_RANGES, ranges],
    [SECTION_DIGESTS, content.digests],
  ];
  // Only --rescue captures carry section 5, so manifests of other captures stay byte-for-byte as before.
  if (content.badRanges !== undefined) sections.push([SECTION_BAD_RANGES, serializeBadRanges(content.badRanges)]);
  const header = Buffer.alloc(HEADER_BYTES + SECTION_ENTRY_BYTES * sections.length);
  MANIFEST_MAGIC.copy(header, 0);
  header.writeUInt16LE(MANIFEST_VERSION, 8);
  header.writeUInt32LE(sections.length, 12);
  let offset = header.length;
  sections.forEach(([type, bytes], i) => {
    const at = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    header.writeUInt32LE(type, at);
    header.writeBigUInt64LE(BigInt(offset), at + 8);
    header.writeBigUInt64LE(BigInt(bytes.length), at + 16);
    offset += bytes.length;
  });
  const body = Buffer.concat([header, ...sections.map(([, bytes]) => bytes)]);
  const digest = createHash('sha256').update(body).digest();
  return { bytes: Buffer.concat([body, digest]), id: digest.toString('hex').slice(0, 16) };
}

export function parseManifest(bytes: Buffer, file: string): SnapshotContent & { id: string } {
  const damaged = (why: string) => new LifeboatError('CORRUPT_IMAGE', `The snapshot manifest ${file} is damaged (${why}); use another snapshot.`);
  if (bytes.length < HEADER_BYTES + 32 || !bytes.subarray(0, 8).equals(MANIFEST_MAGIC)) throw damaged('not a snapshot manifest');
  const version = bytes.readUInt16LE(8);
  if (version === 0) throw damaged('version 0 was never written');
  if (version > MANIFEST_VERSION) {
    throw new LifeboatError(
      'UNSUPPORTED_FORMAT',
      `The snapshot ${file} has format version ${version}, written by a newer Lifeboat; use that version or newer.`,
    );
  }
  const body = bytes.subarray(0, bytes.length - 32);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(bytes.length - 32))) throw damaged('its SHA-256 does not match its content');
  const count = bytes.readUInt32LE(12);
  if (HEADER_BYTES + count * SECTION_ENTRY_BYTES > body.length) throw damaged('its section table is longer than the file');
  const sections = new Map<number, Buffer>();
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    const type = bytes.readUInt32LE(at);
    const offset = Number(bytes.readBigUInt64LE(at + 8));
    const length = Number(bytes.readBigUInt64LE(at + 16));
    if (offset + length > body.length) throw damaged(`section ${type} runs past the end`);
    if (sections.has(type)) throw damaged(`section ${type} appears twice`);
    sections.set(type, body.subarray(offset, offset + length));
  }
  const section = (type: number) => {
    const found = sections.get(type);
    if (!found) throw damaged(`section ${type} is missing`);
    return found;
  };
  const json = section(SECTION_JSON);
  if (json.length > MAX_JSON_SECTION_BYTES) throw damaged('its description is larger than 64 MiB');
  let description: SnapshotDescription;
  try {
    description = JSON.parse(json.toString('utf8')) as SnapshotDescription;
  } catch {
    throw damaged('its description is not JSON');
  }
  const metadataBytes = section(SECTION_METADATA);
  if (metadataBytes.length > MAX_METADATA_SECTION_BYTES) throw damaged('its partition-table section is larger than 16 MiB');
  const rangeBytes = section(SECTION_RANGES);
  const digests = section(SECTION_DIGESTS);
  if (rangeBytes.length % 16 !== 0 || digests.length % DIGEST_BYTES !== 0) throw damaged('a section has a partial record');
  const ranges = new Float64Array(rangeBytes.length / 8);
  for (let i = 0; i < ranges.length; i++) ranges[i] = Number(rangeBytes.readBigUInt64LE(i * 8));
  const content: SnapshotContent = { description, metadataBytes: Buffer.from(metadataBytes), ranges, digests: Buffer.from(digests) };
  const problem = describeProblem(content);
  if (problem) throw damaged(problem);
  const badSection = sections.get(SECTION_BAD_RANGES);
  if (badSection !== undefined) {
    const bad = parseBadRanges(badSection);
    if ('newerVersion' in bad)
      throw new LifeboatError(
        'UNSUPPORTED_FORMAT',
        `The snapshot ${file} lists its unreadable sectors in a version ${bad.newerVersion} section, written by a newer Lifeboat; use that version or newer.`,
      );
    if ('problem' in bad) throw damaged(bad.problem);
    const rangeProblem = badRangesProblem(bad.pairs, description.extents, description.source.logicalSectorSize, description.source.sizeBytes);
    if (rangeProblem) throw damaged(rangeProblem);
    content.badRanges = bad.pairs;
  }
  const rescueProblem = describeRescueProblem(description);
  if (rescueProblem) throw damaged(rescueProblem);
  return { ...content, id: digest.toString('hex').slice(0, 16) };
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The first inconsistency between the description and the sections, or null. */
function describeProblem({ description: d, metadataBytes, ranges, digests }: SnapshotContent): string | null {
  if (d === null || typeof d !== 'object' || d.schema !== SNAPSHOT_SCHEMA) return 'its description has no lifeboat.snapshot/1 schema';
  if (!isValidChunkSize(d.chunkSizeBytes)) return `chunk size ${String(d.chunkSizeBytes)} is not a power of two from 64 KiB to 64 MiB`;
  const source = d.source;
  if (!source || !isCount(source.sizeBytes) || ![512, 1024, 2048, 4096].includes(source.logicalSectorSize))
    return 'its source disk has no valid size or sector size';
  if (!Array.isArray(d.extents) || !Array.isArray(d.metadataAreas)) return 'it lists no extents';
  for (const area of d.metadataAreas) {
    // JSON may hold null or a number where a record belongs; reading a field of null would throw a TypeError.
    if (area === null || typeof area !== 'object') return 'a metadata area is not a record';
    if (!isCount(area.offsetBytes) || !isCount(area.sizeBytes) || !isCount(area.sectionOffset) || area.sectionOffset + area.sizeBytes > metadataBytes.length)
      return `a ${String(area.kind)} area lies outside its section`;
  }
  const ss = source.logicalSectorSize;
  for (const [i, e] of d.extents.entries()) {
    const name = `extent ${i}`;
    if (e === null || typeof e !== 'object') return `${name} is not a record`;
    if (!isCount(e.startBytes) || !isCount(e.sizeBytes) || e.startBytes % ss !== 0 || e.sizeBytes % ss !== 0 || e.startBytes + e.sizeBytes > source.sizeBytes)
      return `${name} lies outside the source disk`;
    if (
      !isCount(e.chunkStart) ||
      !isCount(e.chunkCount) ||
      e.chunkCount !== Math.ceil(e.sizeBytes / d.chunkSizeBytes) ||
      (e.chunkStart + e.chunkCount) * DIGEST_BYTES > digests.length
    )
      return `${name}'s chunk list does not fit its size`;
    if (!isCount(e.rangeStart) || !isCount(e.rangeCount) || (e.rangeStart + e.rangeCount) * 2 > ranges.length)
      return `${name}'s used ranges lie outside their section`;
    let end = 0;
    let used = 0;
    for (let r = e.rangeStart; r < e.rangeStart + e.rangeCount; r++) {
      const start = ranges[2 * r] ?? 0;
      const count = ranges[2 * r + 1] ?? 0;
      if (count <= 0 || start < end || (start + count) * ss > e.sizeBytes) return `${name}'s used ranges are unsorted or outside it`;
      end = start + count;
      used += count * ss;
    }
    if (used !== e.usedBytes) return `${name}'s used ranges add up to ${used} bytes, not ${String(e.usedBytes)}`;
  }
  return null;
}

/** The --rescue record is informational, but whoever prints it must not meet null where a list belongs. */
function describeRescueProblem(d: SnapshotDescription): string | null {
  const rescue: unknown = d.rescue;
  if (rescue === undefined) return null;
  if (rescue === null || typeof rescue !== 'object') return 'its rescue record is not a record';
  const { passes, ranges } = rescue as { passes?: unknown; ranges?: unknown };
  if (!Array.isArray(passes) || !Array.isArray(ranges)) return 'its rescue record has no passes or ranges';
  for (const range of ranges as unknown[]) {
    if (range === null || typeof range !== 'object' || !Array.isArray((range as { owners?: unknown }).owners))
      return 'its rescue record has a range that is not a record';
  }
  return null;
}
