/**
 * NTFS run lists ("mapping pairs"): where the clusters of a non-resident attribute live. Each run
 * is a header byte (low nibble: bytes of length, high nibble: bytes of offset), the length, and
 * a signed cluster offset relative to the previous run's start; no offset bytes means a sparse
 * run, and a 0x00 header ends the list.
 */
import type { NtfsAttribute } from './ntfs-attributes.js';
import { ntfsCorrupt, ntfsLimit } from './ntfs-errors.js';

export interface DataRun {
  /** First virtual cluster (position within the attribute) of the run. */
  vcn: number;
  /** First logical cluster (position on the volume), or null for a sparse run. */
  lcn: number | null;
  lengthClusters: number;
}

/**
 * Runs one attribute (all its extents together) may have before we call it hostile. A 1 KiB
 * record holds at most ~500 runs, and an extent list at most a few thousand extents.
 */
export const MAX_RUNS = 1 << 20;

/** A little-endian integer of `size` bytes; exact up to 2^53, larger values are only "too big". */
function readLittleEndian(bytes: Uint8Array, at: number, size: number, signed: boolean): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] ?? 0);
  if (signed && size > 0 && ((bytes[at + size - 1] ?? 0) & 0x80) !== 0) value -= 2 ** (8 * size);
  return value;
}

/**
 * Decodes one extent's run list and checks it against the volume: every run inside the
 * `clusterCount` clusters, no zero-length run, and the runs covering exactly the extent's
 * VCN range. The loop is bounded by the attribute's length (each run takes at least 2 bytes).
 */
export function decodeDataRuns(attribute: NtfsAttribute, clusterCount: number, where: string): DataRun[] {
  const header = attribute.nonResident;
  if (header === null) throw ntfsCorrupt(`${where} was expected to be non-resident`);
  const bytes = attribute.bytes;
  const runs: DataRun[] = [];
  let at = header.runsOffset;
  let vcn = header.startVcn;
  let lcn = 0;
  while (at < bytes.length) {
    const head = bytes[at] ?? 0;
    if (head === 0) break;
    const lengthSize = head & 0x0f;
    const offsetSize = head >>> 4;
    if (lengthSize === 0 || lengthSize > 8 || offsetSize > 8 || at + 1 + lengthSize + offsetSize > bytes.length) {
      throw ntfsCorrupt(`${where} has a malformed data run header 0x${head.toString(16)} at byte ${at}`);
    }
    const lengthClusters = readLittleEndian(bytes, at + 1, lengthSize, false);
    if (lengthClusters === 0 || lengthClusters > clusterCount) {
      throw ntfsCorrupt(`${where} has a data run of ${lengthClusters} clusters on a volume of ${clusterCount}`);
    }
    let runLcn: number | null = null;
    if (offsetSize > 0) {
      lcn += readLittleEndian(bytes, at + 1 + lengthSize, offsetSize, true);
      if (lcn < 0 || lcn + lengthClusters > clusterCount) {
        throw ntfsCorrupt(`${where} has a data run at clusters ${lcn} to ${lcn + lengthClusters - 1}, outside the volume's ${clusterCount} clusters`);
      }
      runLcn = lcn;
    }
    runs.push({ vcn, lcn: runLcn, lengthClusters });
    vcn += lengthClusters;
    at += 1 + lengthSize + offsetSize;
  }
  if (vcn !== header.lastVcn + 1) {
    throw ntfsCorrupt(`${where}'s data runs cover VCNs ${header.startVcn} to ${vcn - 1}, but its header says ${header.startVcn} to ${header.lastVcn}`);
  }
  return runs;
}

/** Appends an extent's runs to the runs before it, checking they continue where those ended. */
export function appendRuns(runs: DataRun[], extent: DataRun[], where: string): void {
  if (runs.length + extent.length > MAX_RUNS) throw ntfsLimit(`${where} has more than ${MAX_RUNS} data runs`);
  for (const run of extent) {
    const last = runs[runs.length - 1];
    const expected = last === undefined ? 0 : last.vcn + last.lengthClusters;
    if (run.vcn !== expected) throw ntfsCorrupt(`${where}'s extents do not follow each other (VCN ${run.vcn} where ${expected} was expected)`);
    runs.push(run);
  }
}

/** Clusters the runs describe in all. */
export function runsLengthClusters(runs: readonly DataRun[]): number {
  const last = runs[runs.length - 1];
  return last === undefined ? 0 : last.vcn + last.lengthClusters;
}

/** Index of the run holding `vcn` (binary search over sorted, contiguous runs), or -1. */
export function runIndexAt(runs: readonly DataRun[], vcn: number): number {
  let low = 0;
  let high = runs.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const run = runs[middle];
    if (run === undefined) break;
    if (vcn < run.vcn) high = middle - 1;
    else if (vcn >= run.vcn + run.lengthClusters) low = middle + 1;
    else return middle;
  }
  return -1;
}
