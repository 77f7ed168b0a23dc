/**
 * A snapshot's chunks, read back from the repository and proven: every chunk is decompressed and
 * its SHA-256 compared with its name (in a worker) before anyone may use its bytes. Failures name
 * the chunk, the partition and the byte range it belongs to, so a person knows what is lost.
 */
import { LifeboatError } from '../core/errors.js';
import type { ChunkIndex } from '../repository/chunk-index.js';
import { DIGEST_BYTES, digestHex, isZeroDigest } from '../repository/format-constants.js';
import { PackReader } from '../repository/pack-reader.js';
import type { ExtentRecord, Snapshot } from '../repository/snapshot-types.js';
import { chunkPlaceText, extentLabel, usedChunks, type ChunkSlice } from './extents.js';
import type { InFlight } from './in-flight.js';
import type { ProgressTracker } from './progress.js';
import type { WorkerPool } from './worker-pool.js';

export function extentDigest(snapshot: Snapshot, extent: ExtentRecord, chunkIndex: number): Buffer {
  const at = (extent.chunkStart + chunkIndex) * DIGEST_BYTES;
  return snapshot.digests.subarray(at, at + DIGEST_BYTES);
}

export function extentRanges(snapshot: Snapshot, extent: ExtentRecord): Float64Array {
  return snapshot.ranges.subarray(extent.rangeStart * 2, (extent.rangeStart + extent.rangeCount) * 2);
}

export function chunkPlace(snapshot: Snapshot, extent: ExtentRecord, chunkIndex: number): string {
  return chunkPlaceText(extent, snapshot.description.chunkSizeBytes, chunkIndex);
}

export class SnapshotChunks {
  private readonly packs: PackReader;

  constructor(
    repoDir: string,
    readonly snapshot: Snapshot,
    private readonly index: ChunkIndex,
    private readonly pool: WorkerPool,
  ) {
    this.packs = new PackReader(repoDir);
  }

  /** The proven plaintext of chunk `chunkIndex` of `extent`, `lengthBytes` long. */
  async read(extent: ExtentRecord, chunkIndex: number, lengthBytes: number): Promise<Uint8Array> {
    const digest = extentDigest(this.snapshot, extent, chunkIndex);
    if (isZeroDigest(digest)) return new Uint8Array(lengthBytes);
    const place = () => chunkPlace(this.snapshot, extent, chunkIndex);
    const name = digestHex(digest).slice(0, 16);
    const location = this.index.find(digest);
    if (!location)
      throw new LifeboatError(
        'CHUNK_MISSING',
        `Chunk ${name} (${place()}) is not in the repository; a pack is missing. Restore another snapshot or copy the missing pack back.`,
      );
    if (location.plainBytes !== lengthBytes)
      throw new LifeboatError(
        'CORRUPT_IMAGE',
        `Chunk ${name} (${place()}) is ${location.plainBytes} bytes in the index, not ${lengthBytes}; the repository is damaged.`,
      );
    let stored: Buffer;
    try {
      stored = await this.packs.readStored(digest, location);
    } catch (error) {
      if (error instanceof LifeboatError)
        throw new LifeboatError(error.code, `${error.message} It holds ${place()}.`, { cause: error, details: error.details });
      throw error;
    }
    const answer = await this.pool.run({ kind: 'unpack', stored, codec: location.codec, plainBytes: lengthBytes, digest: new Uint8Array(digest) });
    if (answer.kind === 'unpack') return answer.data;
    const why = answer.kind === 'error' ? answer.message : answer.kind;
    throw new LifeboatError('CORRUPT_IMAGE', `Chunk ${name} (${place()}) is damaged: ${why}. Its bytes will not be written anywhere.`);
  }

  async close(): Promise<void> {
    await this.packs.close();
  }
}

/**
 * Starts `visit` once for every distinct stored chunk the extents use (zero chunks and chunks seen
 * before, in `seen`, are only counted as progress), with at most the in-flight limit at once.
 */
export async function forEachDistinctChunk(
  snapshot: Snapshot,
  extents: readonly ExtentRecord[],
  seen: Set<string>,
  inFlight: InFlight,
  progress: ProgressTracker,
  visit: (extent: ExtentRecord, slice: ChunkSlice) => Promise<void>,
  beforeEach?: () => void,
): Promise<void> {
  const { chunkSizeBytes, source } = snapshot.description;
  for (const [e, extent] of extents.entries()) {
    progress.startItem(e + 1, extents.length, extentLabel(extent), extent.usedBytes);
    for (const slice of usedChunks(extentRanges(snapshot, extent), extent.sizeBytes, chunkSizeBytes, source.logicalSectorSize)) {
      beforeEach?.();
      const digest = extentDigest(snapshot, extent, slice.index);
      const hex = digestHex(digest);
      if (isZeroDigest(digest) || seen.has(hex)) {
        progress.advance(slice.usedBytes);
        continue;
      }
      seen.add(hex);
      await inFlight.start(async () => {
        await visit(extent, slice);
        progress.advance(slice.usedBytes);
      });
    }
  }
}
