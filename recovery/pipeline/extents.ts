/**
 * What a capture copies, as extents (a partition, the boot-loader gap, or a whole disk) each with
 * its used ranges in the disk's logical sectors. The same plan drives capture, clone and the
 * read-back checks, so they all agree on which bytes matter.
 */
import type { PartitionAnalysis, DiskAnalysis } from '../disks/analyze-disk.js';
import type { FilesystemAnalysis, UsedBlockMap } from '../filesystems/filesystem-types.js';
import type { ExtentKind, ExtentRecord } from '../repository/snapshot-types.js';

export type PlannedExtent = Omit<ExtentRecord, 'rangeStart' | 'rangeCount' | 'chunkStart' | 'chunkCount' | 'storedChunks'> & {
  /** (first sector, sector count) pairs relative to the extent start, sorted and merged. */
  ranges: Float64Array;
};

/** Used blocks as sector pairs, rounded out to whole sectors and cut at the extent's end. */
export function usedSectorRanges(map: UsedBlockMap, extentBytes: number, sectorBytes: number): Float64Array {
  const extentSectors = Math.floor(extentBytes / sectorBytes);
  const pairs: number[] = [];
  for (const { start, count } of map.used) {
    const first = Math.floor((start * map.blockSizeBytes) / sectorBytes);
    const end = Math.min(extentSectors, Math.ceil(((start + count) * map.blockSizeBytes) / sectorBytes));
    if (end <= first) continue;
    const last = pairs.length - 2;
    if (last >= 0 && first <= (pairs[last] ?? 0) + (pairs[last + 1] ?? 0)) {
      pairs[last + 1] = Math.max(end, (pairs[last] ?? 0) + (pairs[last + 1] ?? 0)) - (pairs[last] ?? 0);
    } else {
      pairs.push(first, end - first);
    }
  }
  return Float64Array.from(pairs);
}

export function rangesBytes(ranges: Float64Array, sectorBytes: number): number {
  let sectors = 0;
  for (let i = 1; i < ranges.length; i += 2) sectors += ranges[i] ?? 0;
  return sectors * sectorBytes;
}

function extentOf(
  kind: ExtentKind,
  startBytes: number,
  sizeBytes: number,
  analysis: FilesystemAnalysis | null,
  part: PartitionAnalysis | null,
  sectorBytes: number,
): PlannedExtent {
  const ranges = analysis ? usedSectorRanges(analysis.map, sizeBytes, sectorBytes) : Float64Array.from(sizeBytes > 0 ? [0, sizeBytes / sectorBytes] : []);
  return {
    kind,
    number: part?.partition.number ?? null,
    startBytes,
    sizeBytes,
    partition: part?.partition ?? null,
    filesystem: analysis?.info ?? null,
    coverage: analysis?.coverage ?? 'whole',
    reason: analysis ? analysis.reason : 'Boot code lives outside partitions here; it is copied whole.',
    usedBytes: rangesBytes(ranges, sectorBytes),
    ranges,
  };
}

/** Every extent of a whole-disk capture, in disk order. */
export function diskExtents(analysis: DiskAnalysis, sectorBytes: number): PlannedExtent[] {
  if (analysis.wholeDisk) return [extentOf('disk', 0, analysis.sizeBytes - (analysis.sizeBytes % sectorBytes), analysis.wholeDisk, null, sectorBytes)];
  const extents = analysis.partitions
    .filter((p) => p.partition.sizeBytes > 0 && p.partition.startBytes + p.partition.sizeBytes <= analysis.sizeBytes)
    .map((p) => extentOf('partition', p.partition.startBytes, p.partition.sizeBytes, p.analysis, p, sectorBytes));
  for (const gap of analysis.table.gaps) {
    if (gap.position === 'leading') extents.push(extentOf('gap', gap.offsetBytes, gap.sizeBytes, null, null, sectorBytes));
  }
  return extents.sort((a, b) => a.startBytes - b.startBytes);
}

/** The one extent of a partition capture. */
export function partitionExtent(part: PartitionAnalysis, sectorBytes: number): PlannedExtent {
  return extentOf('partition', part.partition.startBytes, part.partition.sizeBytes, part.analysis, part, sectorBytes);
}

export function extentLabel(extent: Pick<ExtentRecord, 'kind' | 'number' | 'filesystem'>): string {
  if (extent.kind === 'gap') return 'boot-loader gap';
  const fs = extent.filesystem ? `${extent.filesystem.type}${extent.filesystem.label ? ` "${extent.filesystem.label}"` : ''}` : 'no filesystem';
  return extent.kind === 'disk' ? `whole disk (${fs})` : `partition ${String(extent.number)} (${fs})`;
}

export interface ChunkPiece {
  /** Extent-relative byte offset. */
  offsetBytes: number;
  lengthBytes: number;
}

export interface ChunkSlice {
  index: number;
  /** Extent-relative byte offset of the chunk. */
  offsetBytes: number;
  lengthBytes: number;
  /** The used byte ranges inside the chunk, extent-relative, sorted. */
  pieces: ChunkPiece[];
  usedBytes: number;
}

/**
 * Walks an extent chunk by chunk and yields those that hold used bytes, with the used pieces of
 * each. Chunks without a used byte are skipped: nothing of them is read, stored or written.
 */
export function* usedChunks(ranges: Float64Array, extentBytes: number, chunkBytes: number, sectorBytes: number): Generator<ChunkSlice> {
  let current: ChunkSlice | null = null;
  for (let r = 0; r < ranges.length; r += 2) {
    let from = (ranges[r] ?? 0) * sectorBytes;
    const to = Math.min(extentBytes, from + (ranges[r + 1] ?? 0) * sectorBytes);
    while (from < to) {
      const index = Math.floor(from / chunkBytes);
      const chunkEnd = Math.min(extentBytes, (index + 1) * chunkBytes);
      if (current && current.index !== index) {
        yield current;
        current = null;
      }
      current ??= { index, offsetBytes: index * chunkBytes, lengthBytes: chunkEnd - index * chunkBytes, pieces: [], usedBytes: 0 };
      const end = Math.min(to, chunkEnd);
      current.pieces.push({ offsetBytes: from, lengthBytes: end - from });
      current.usedBytes += end - from;
      from = end;
    }
  }
  if (current) yield current;
}

/**
 * Pieces joined for reading when the hole between them is small: one larger read beats many tiny
 * ones on every disk, and the bytes in between are zeroed afterwards so they never reach a chunk.
 */
export function readSpans(pieces: readonly ChunkPiece[], maxHoleBytes = 256 * 1024): ChunkPiece[] {
  const spans: ChunkPiece[] = [];
  for (const piece of pieces) {
    const last = spans[spans.length - 1];
    if (last && piece.offsetBytes - (last.offsetBytes + last.lengthBytes) <= maxHoleBytes)
      last.lengthBytes = piece.offsetBytes + piece.lengthBytes - last.offsetBytes;
    else spans.push({ ...piece });
  }
  return spans;
}

/** "partition 2 (ntfs), bytes 4194304-8388607 of the partition (disk bytes ...)": where a chunk lies, for messages. */
export function chunkPlaceText(
  extent: Pick<ExtentRecord, 'kind' | 'number' | 'filesystem' | 'startBytes' | 'sizeBytes'>,
  chunkBytes: number,
  chunkIndex: number,
): string {
  const from = chunkIndex * chunkBytes;
  const to = Math.min(extent.sizeBytes, from + chunkBytes) - 1;
  return `${extentLabel(extent)}, bytes ${from}-${to} of the ${extent.kind} (disk bytes ${extent.startBytes + from}-${extent.startBytes + to})`;
}
