/**
 * How capture reads its chunks from a source that may be failing.
 *
 * Without --rescue, the first read error that is a media error (EIO and kin) is pinned down to
 * its sector with exact reads and stops the capture with UNREADABLE_SECTOR, naming the disk,
 * byte, sector and partition. (A span that fails through the page cache but reads exactly, because
 * the bad sector only shares its page, is simply used.)
 *
 * With --rescue, the data pass skips every span it cannot read and parks that chunk (rescue-spill);
 * then retry passes shrink the bad areas to single sectors (rescue-passes); then the parked chunks,
 * zeros where sectors stayed unreadable, are handed back to be hashed and stored like any other.
 * Their digests are those of the zero-filled bytes, so the repository and manifest stay exact.
 */
import { LifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import type { RescuePassRecord } from '../repository/snapshot-types.js';
import { readChunk } from './chunk-io.js';
import { readSpans, type ChunkPiece, type ChunkSlice, type PlannedExtent } from './extents.js';
import type { ProgressTracker } from './progress.js';
import { badSectorPairs, runRetryPasses, type BadArea } from './rescue-passes.js';
import { ExactReader, isMediaError, mediaErrorText, readExactlyInto } from './rescue-reader.js';
import { RescueSpill } from './rescue-spill.js';

export interface ParkedChunk {
  extent: number;
  slice: ChunkSlice;
  slot: number;
}

export interface RescueOutcome {
  /** (first sector, sector count) of every sector that stayed unreadable, sorted. */
  badRanges: Float64Array;
  passes: RescuePassRecord[];
}

/** "partition 2" or "the boot-loader gap": where on the disk a byte lies, for messages. */
function placeOf(extent: PlannedExtent): string {
  if (extent.kind === 'partition') return `partition ${String(extent.number)}`;
  return extent.kind === 'gap' ? 'boot-loader gap' : 'whole disk';
}

export function unreadableSectorError(disk: Disk, extent: PlannedExtent, offsetBytes: number, cause: unknown): LifeboatError {
  const sector = Math.floor(offsetBytes / disk.logicalSectorSize);
  return new LifeboatError(
    'UNREADABLE_SECTOR',
    `Reading ${disk.path} failed at byte ${offsetBytes} (sector ${sector}, ${placeOf(extent)}): ${mediaErrorText(cause)}. The disk may be failing; run the capture again with --rescue to copy everything readable, fill the unreadable sectors with zeros and list them.`,
    {
      cause,
      details: { device: disk.path, offsetBytes, sector, ...(extent.kind === 'partition' && extent.number !== null ? { partition: extent.number } : {}) },
    },
  );
}

/** The used pieces of `span`, as disk byte ranges. */
function usedPartsOf(span: ChunkPiece, slice: ChunkSlice, extentStartBytes: number): Array<{ offsetBytes: number; lengthBytes: number }> {
  const parts: Array<{ offsetBytes: number; lengthBytes: number }> = [];
  for (const piece of slice.pieces) {
    const from = Math.max(piece.offsetBytes, span.offsetBytes);
    const to = Math.min(piece.offsetBytes + piece.lengthBytes, span.offsetBytes + span.lengthBytes);
    if (to > from) parts.push({ offsetBytes: extentStartBytes + from, lengthBytes: to - from });
  }
  return parts;
}

export class CaptureChunkReader {
  private readonly parked: ParkedChunk[] = [];
  private badAreas: BadArea[] = [];
  private readonly dataPass: RescuePassRecord = { name: 'pass 1: used blocks', readSizeBytes: 0, reads: 0, failedReads: 0, recoveredBytes: 0, seconds: 0 };
  private readonly startedAt = Date.now();
  private retryPasses: RescuePassRecord[] = [];

  private constructor(
    private readonly disk: Disk,
    private readonly exact: ExactReader,
    private readonly spill: RescueSpill | null,
  ) {}

  /** `rescue` carries the repository (for parking chunks) and the chunk size; null for a strict capture. */
  static async open(disk: Disk, rescue: { repoDir: string; chunkBytes: number } | null): Promise<CaptureChunkReader> {
    return new CaptureChunkReader(disk, await ExactReader.open(disk), rescue ? new RescueSpill(rescue.repoDir, rescue.chunkBytes) : null);
  }

  /** The chunk's bytes, or null when it holds unreadable areas and was parked for the retry passes. */
  async read(extentIndex: number, extent: PlannedExtent, slice: ChunkSlice): Promise<Uint8Array | null> {
    const ss = this.disk.logicalSectorSize;
    const failed: BadArea[] = [];
    this.dataPass.readSizeBytes = Math.max(this.dataPass.readSizeBytes, slice.lengthBytes);
    const data = await readChunk(this.disk, extent.startBytes, slice, async (span, buffer, error) => {
      if (!isMediaError(error)) throw error;
      this.dataPass.failedReads++;
      const start = extent.startBytes + span.offsetBytes;
      if (this.spill === null) {
        const bad = await readExactlyInto(this.exact, buffer, span.offsetBytes - slice.offsetBytes, start, start + span.lengthBytes, ss);
        if (bad !== null) throw unreadableSectorError(this.disk, extent, bad.offsetBytes, bad.error);
        return;
      }
      for (const part of usedPartsOf(span, slice, extent.startBytes)) {
        failed.push({
          ...part,
          extent: extentIndex,
          slot: -1,
          chunkStartBytes: extent.startBytes + slice.offsetBytes,
          triedWhole: part.lengthBytes === span.lengthBytes,
        });
      }
    });
    this.dataPass.reads += readSpans(slice.pieces).length;
    if (failed.length === 0 || this.spill === null) return data;
    const slot = await this.spill.park(data);
    this.parked.push({ extent: extentIndex, slice, slot });
    for (const area of failed) this.badAreas.push({ ...area, slot });
    return null;
  }

  /**
   * Runs the retry passes, then yields every parked chunk with what could be read filled in and
   * zeros where it could not. Call once, after the data pass.
   */
  async *retryAndRelease(progress: ProgressTracker, signal?: AbortSignal): AsyncGenerator<{ extent: number; slice: ChunkSlice; data: Uint8Array }> {
    this.dataPass.seconds = (Date.now() - this.startedAt) / 1000;
    if (this.spill === null || this.parked.length === 0) return;
    const { unreadable, passes } = await runRetryPasses(this.badAreas, this.disk.logicalSectorSize, this.exact, this.spill, { progress, signal });
    this.badAreas = unreadable;
    this.retryPasses = passes;
    for (const chunk of this.parked) yield { extent: chunk.extent, slice: chunk.slice, data: await this.spill.read(chunk.slot, chunk.slice.lengthBytes) };
  }

  /** What the rescue found; meaningful after retryAndRelease. */
  outcome(): RescueOutcome {
    return { badRanges: badSectorPairs(this.badAreas, this.disk.logicalSectorSize), passes: [this.dataPass, ...this.retryPasses] };
  }

  get exactReader(): ExactReader {
    return this.exact;
  }

  async close(): Promise<void> {
    await this.spill?.dispose();
    await this.exact.close();
  }
}
