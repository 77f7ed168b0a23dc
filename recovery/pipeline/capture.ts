/**
 * Capture: a disk (or one partition) into a snapshot. Reads only used ranges, chunk by chunk, in
 * disk order; worker threads hash and compress; new chunks are appended to packs; then the index
 * and, last, the manifest are written (docs/image-format.md, ordering rules). Reads, worker jobs
 * and pack writes overlap, and at most `inFlight` chunks exist at once.
 */
import { sectorSource } from '../core/byte-source.js';
import { LifeboatError } from '../core/errors.js';
import { failpoint } from '../core/failpoints/failpoint.js';
import { LIFEBOAT_VERSION } from '../core/version.js';
import { analyzeDisk } from '../disks/analyze-disk.js';
import type { Disk } from '../disks/disk.js';
import { readMetadataAreas } from '../partitions/read-metadata-areas.js';
import { DIGEST_BYTES, ZERO_DIGEST, digestHex } from '../repository/format-constants.js';
import { PackWriter } from '../repository/pack-writer.js';
import { lockRepository } from '../repository/repository-lock.js';
import { Repository } from '../repository/repository.js';
import {
  SNAPSHOT_SCHEMA,
  type ExtentRecord,
  type RescueRecord,
  type Snapshot,
  type SourceIdentity,
  type StoredMetadataArea,
} from '../repository/snapshot-types.js';
import { recoverInterruptedWrites, recoveryWarnings } from './recover-interrupted.js';
import { diskExtents, extentLabel, partitionExtent, usedChunks, type ChunkSlice, type PlannedExtent } from './extents.js';
import { InFlight } from './in-flight.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { WorkerPool } from './worker-pool.js';
import { CaptureChunkReader } from './rescue-chunk-reader.js';
import { rescueRecordOf } from './rescue-report.js';

export interface CaptureOptions {
  repoDir: string;
  source: Disk;
  /** Model and serial as the helper reports them (null for image files). */
  identity?: { model: string | null; serial: string | null };
  /** Capture only this partition. */
  partitionNumber?: number;
  /** zstd level, 1–19 (default 3). */
  level?: number;
  note?: string | null;
  chunkSizeBytes?: number;
  packSizeBytes?: number;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Things the user should know that did not stop the capture. */
  onWarning?: (sentence: string) => void;
  /**
   * Go on past unreadable sectors: retry them with smaller reads, store zeros for what stays
   * unreadable and record it in the manifest (rescue-chunk-reader.ts). Without it the first
   * unreadable sector stops the capture with UNREADABLE_SECTOR.
   */
  rescue?: boolean;
}

export interface CaptureResult {
  snapshot: Snapshot;
  repositoryCreated: boolean;
  /** Bytes read from the source (used bytes). */
  usedBytes: number;
  /** Bytes added to the repository. */
  storedBytes: number;
  newChunks: number;
  reusedChunks: number;
  durationSeconds: number;
  /** What --rescue found (also in the manifest); null without --rescue. */
  rescue: RescueRecord | null;
}

export function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > 19)
    throw new LifeboatError('USAGE', `The compression level must be a whole number from 1 to 19, not ${level}.`);
  return level;
}

export async function capture(options: CaptureOptions): Promise<CaptureResult> {
  const level = checkLevel(options.level ?? 3);
  const { source } = options;
  const ss = source.logicalSectorSize;
  const progress = new ProgressTracker('capture', options.onProgress);
  progress.startPhase('analyze', 0);
  const analysis = await analyzeDisk(sectorSource(source), ss);
  for (const warning of analysis.table.warnings) options.onWarning?.(warning);

  let extents: PlannedExtent[];
  if (options.partitionNumber === undefined) {
    extents = diskExtents(analysis, ss);
  } else {
    const part = analysis.partitions.find((p) => p.partition.number === options.partitionNumber);
    if (!part) {
      const numbers = analysis.partitions.map((p) => p.partition.number).join(', ');
      throw new LifeboatError('USAGE', `${source.path} has no partition ${options.partitionNumber}${numbers ? `; it has ${numbers}` : ''}.`);
    }
    extents = [partitionExtent(part, ss)];
  }
  for (const extent of extents)
    if (extent.coverage !== 'filesystem' && extent.reason && extent.kind !== 'gap') options.onWarning?.(`${extentLabel(extent)}: ${extent.reason}`);
  const metadata = options.partitionNumber === undefined ? await readMetadataAreas(sectorSource(source), analysis.table) : [];

  const { repository, created } = await Repository.openOrCreate(options.repoDir, options.chunkSizeBytes);
  const chunkBytes = repository.config.chunkSizeBytes;
  const lock = await lockRepository(options.repoDir, `capture ${source.path}`);
  if (lock.takenOver) options.onWarning?.(lock.takenOver);
  failpoint('capture.after-lock');
  const packs = new PackWriter(options.repoDir, options.packSizeBytes);
  let pool: WorkerPool | null = null;
  let inFlight: InFlight | null = null;
  let reader: CaptureChunkReader | null = null;
  try {
    const index = await repository.loadIndex();
    for (const sentence of recoveryWarnings(await recoverInterruptedWrites(repository, index, options.threads))) options.onWarning?.(sentence);
    failpoint('capture.after-recovery');
    pool = new WorkerPool({ known: index.knownDigests, ...(options.threads ? { threads: options.threads } : {}) });

    const createdAt = new Date().toISOString();
    const records: ExtentRecord[] = [];
    let chunkTotal = 0;
    let rangePairs = 0;
    for (const extent of extents) {
      const chunkCount = Math.ceil(extent.sizeBytes / chunkBytes);
      const { ranges, ...rest } = extent;
      records.push({ ...rest, rangeStart: rangePairs, rangeCount: ranges.length / 2, chunkStart: chunkTotal, chunkCount, storedChunks: 0 });
      chunkTotal += chunkCount;
      rangePairs += ranges.length / 2;
    }
    const digests = Buffer.alloc(chunkTotal * DIGEST_BYTES);
    const usedBytes = extents.reduce((sum, e) => sum + e.usedBytes, 0);
    let newChunks = 0;
    let reusedChunks = 0;
    // Pack appends happen one at a time, in completion order; this chain serialises them.
    let appending: Promise<unknown> = Promise.resolve();
    const storing = new Set<string>();
    const chunksInFlight = new InFlight(pool.threads * 2 + 2);
    inFlight = chunksInFlight;

    // Hashes, packs and stores one chunk; a --rescue capture's parked chunks come here after their retries.
    const store = (record: ExtentRecord, slice: ChunkSlice, data: Uint8Array, advanceBytes: number) =>
      chunksInFlight.start(async () => {
        const answer = await (pool as WorkerPool).run({ kind: 'pack', data, level }, [data.buffer as ArrayBuffer]);
        if (answer.kind !== 'pack')
          throw new LifeboatError('INTERNAL', `A worker could not pack a chunk: ${answer.kind === 'error' ? answer.message : answer.kind}.`);
        const at = (record.chunkStart + slice.index) * DIGEST_BYTES;
        if (answer.zero) {
          ZERO_DIGEST.copy(digests, at);
        } else {
          digests.set(answer.digest, at);
          record.storedChunks++;
          const hex = digestHex(answer.digest);
          if (answer.known || index.has(answer.digest) || storing.has(hex) || answer.stored === null) {
            reusedChunks++;
          } else {
            storing.add(hex);
            newChunks++;
            const stored = answer.stored;
            const append = appending.then(async () =>
              index.add(
                answer.digest,
                await packs.append({ digest: answer.digest, codec: answer.codec, stored, plainBytes: slice.lengthBytes, crc32c: answer.crc32c }),
              ),
            );
            appending = append.catch(() => undefined);
            await append;
          }
        }
        progress.advance(advanceBytes);
      });

    const chunkReader = await CaptureChunkReader.open(source, options.rescue ? { repoDir: options.repoDir, chunkBytes } : null);
    reader = chunkReader;
    progress.startPhase('data', usedBytes);
    for (const [e, extent] of extents.entries()) {
      progress.startItem(e + 1, extents.length, extentLabel(extent), extent.usedBytes);
      for (const slice of usedChunks(extent.ranges, extent.sizeBytes, chunkBytes, ss)) {
        if (options.signal?.aborted) throw new LifeboatError('CANCELLED', 'The capture was cancelled; no snapshot was written.');
        const data = await chunkReader.read(e, extent, slice);
        if (data === null) progress.advance(slice.usedBytes);
        else await store(records[e] as ExtentRecord, slice, data, slice.usedBytes);
      }
    }
    for await (const parked of chunkReader.retryAndRelease(progress, options.signal))
      await store(records[parked.extent] as ExtentRecord, parked.slice, parked.data, 0);
    await chunksInFlight.drain();
    await appending;
    await packs.finish();
    if (index.addedCount > 0) {
      await repository.writeIndex(index, () => failpoint('capture.before-index-rename'));
      failpoint('capture.after-index-rename');
    }

    const metadataAreas: StoredMetadataArea[] = [];
    let sectionOffset = 0;
    for (const area of metadata) {
      const { bytes, ...rest } = area;
      metadataAreas.push({ ...rest, sectionOffset });
      sectionOffset += bytes.length;
    }
    const ranges = new Float64Array(rangePairs * 2);
    let at = 0;
    for (const extent of extents) {
      ranges.set(extent.ranges, at);
      at += extent.ranges.length;
    }
    const rescue = options.rescue ? await rescueRecordOf(source, chunkReader.exactReader, extents, chunkReader.outcome(), progress) : null;
    if (rescue && rescue.record.badSectorCount > 0)
      options.onWarning?.(
        `${rescue.record.badSectorCount} unreadable sector(s) in ${rescue.record.badRangeCount} range(s) were stored as zeros; the snapshot lists them with the files they held.`,
      );
    const identity: SourceIdentity = {
      path: source.path,
      kind: source.kind,
      model: options.identity?.model ?? null,
      serial: options.identity?.serial ?? null,
      sizeBytes: source.sizeBytes,
      logicalSectorSize: ss,
      physicalSectorSize: source.physicalSectorSize,
    };
    const snapshot = await repository.writeSnapshot(
      {
        description: {
          schema: SNAPSHOT_SCHEMA,
          tool: `lifeboat ${LIFEBOAT_VERSION}`,
          createdAt,
          finishedAt: new Date().toISOString(),
          note: options.note ?? null,
          scope: options.partitionNumber === undefined ? 'disk' : 'partition',
          chunkSizeBytes: chunkBytes,
          source: identity,
          table: analysis.table,
          metadataAreas,
          extents: records,
          totals: { usedBytes, chunks: chunkTotal, newChunks, newStoredBytes: packs.storedBytes },
          ...(rescue ? { rescue: rescue.record } : {}),
        },
        metadataBytes: Buffer.concat(metadata.map((area) => area.bytes)),
        ranges,
        digests,
        ...(rescue ? { badRanges: rescue.badRanges } : {}),
      },
      () => failpoint('capture.before-manifest-rename'),
    );
    failpoint('capture.after-manifest-rename');
    progress.finish();
    return {
      snapshot,
      repositoryCreated: created,
      usedBytes,
      storedBytes: packs.storedBytes,
      newChunks,
      reusedChunks,
      durationSeconds: progress.elapsedSeconds,
      rescue: rescue?.record ?? null,
    };
  } catch (error) {
    // Let chunks already on their way finish (or fail) before their pack is sealed or dropped.
    await inFlight?.drain().catch(() => undefined);
    // Every blob appended so far is whole: sealing the pack lets the next capture reuse them
    // (no snapshot refers to them yet). If sealing fails too (disk full), the pack is dropped.
    await packs.finish().catch(() => undefined);
    await packs.abandon();
    throw error;
  } finally {
    await reader?.close();
    await pool?.close();
    await lock.release();
  }
}
