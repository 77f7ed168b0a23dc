/**
 * Clone: disk to disk without a repository, with the same plan as capture (used ranges only, the
 * boot-loader gap whole) and the same write order as restore (old table cleared, data, table
 * last). With `verify`, each chunk is hashed as it is written and the target read back.
 */
import { sectorSource } from '../core/byte-source.js';
import { LifeboatError } from '../core/errors.js';
import { analyzeDisk } from '../disks/analyze-disk.js';
import type { Disk } from '../disks/disk.js';
import { readMetadataAreas } from '../partitions/read-metadata-areas.js';
import { clearPartitionTableWrites, planPartitionTableWrites, requiredTargetBytes } from '../partitions/write-partition-table.js';
import { DEFAULT_CHUNK_SIZE_BYTES, DIGEST_BYTES } from '../repository/format-constants.js';
import { formatBytes } from '../core/format-bytes.js';
import { readChunk } from './chunk-io.js';
import { compareTarget, type CompareResult } from './compare-target.js';
import { chunkPlaceText, diskExtents, extentLabel, type PlannedExtent } from './extents.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { WorkerPool } from './worker-pool.js';
import { writeTarget, type TargetExtent } from './write-target.js';
import type { PartitionTable, PlannedWrite } from '../partitions/partition-table.js';

export interface ClonePlan {
  table: PartitionTable;
  extents: PlannedExtent[];
  clearWrites: PlannedWrite[];
  tableWrites: PlannedWrite[];
  requiredBytes: number;
  usedBytes: number;
  warnings: string[];
}

export async function planClone(source: Disk, target: Disk): Promise<ClonePlan> {
  if (source.logicalSectorSize !== target.logicalSectorSize) {
    throw new LifeboatError(
      'UNSUPPORTED',
      `${source.path} has ${source.logicalSectorSize}-byte sectors and ${target.path} has ${target.logicalSectorSize}-byte sectors; a clone needs the same sector size.`,
    );
  }
  const analysis = await analyzeDisk(sectorSource(source), source.logicalSectorSize);
  const extents = diskExtents(analysis, source.logicalSectorSize);
  const extentEnd = Math.max(0, ...extents.map((e) => e.startBytes + e.sizeBytes));
  const required = analysis.table.scheme === 'none' ? extentEnd : Math.max(extentEnd, requiredTargetBytes(analysis.table));
  if (target.sizeBytes < required) {
    throw new LifeboatError(
      'OUT_OF_RANGE',
      `The target disk ${target.path} is ${formatBytes(required - target.sizeBytes)} (${required - target.sizeBytes} bytes) too small: it has ${target.sizeBytes} bytes and the clone needs ${required}. Nothing was written.`,
    );
  }
  const metadata = await readMetadataAreas(sectorSource(source), analysis.table);
  return {
    table: analysis.table,
    extents,
    clearWrites: clearPartitionTableWrites(target.sizeBytes, target.logicalSectorSize),
    tableWrites: planPartitionTableWrites(analysis.table, metadata, target.sizeBytes),
    requiredBytes: required,
    usedBytes: extents.reduce((sum, e) => sum + e.usedBytes, 0),
    warnings: [
      ...analysis.table.warnings,
      ...extents.filter((e) => e.coverage !== 'filesystem' && e.kind !== 'gap' && e.reason).map((e) => `${extentLabel(e)}: ${e.reason ?? ''}`),
    ],
  };
}

export interface CloneOptions {
  source: Disk;
  target: Disk;
  plan: ClonePlan;
  verify?: boolean;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  reread?: () => Promise<void>;
}

export async function clone(options: CloneOptions): Promise<{ copiedBytes: number; durationSeconds: number; verification: CompareResult | null }> {
  const { source, target, plan } = options;
  const progress = new ProgressTracker('clone', options.onProgress);
  const pool = new WorkerPool(options.threads ? { threads: options.threads } : {});
  const chunkBytes = DEFAULT_CHUNK_SIZE_BYTES;
  const extents: TargetExtent[] = plan.extents.map((e) => ({
    label: extentLabel(e),
    targetStartBytes: e.startBytes,
    sizeBytes: e.sizeBytes,
    ranges: e.ranges,
    usedBytes: e.usedBytes,
  }));
  const digests = options.verify ? plan.extents.map((e) => Buffer.alloc(Math.ceil(e.sizeBytes / chunkBytes) * DIGEST_BYTES)) : [];
  try {
    await writeTarget(
      {
        target,
        extents,
        chunkBytes,
        clearWrites: plan.clearWrites,
        tableWrites: plan.tableWrites,
        supply: (e, slice) => readChunk(source, (plan.extents[e] as PlannedExtent).startBytes, slice),
        ...(options.verify
          ? {
              written: async (e: number, slice: { index: number }, data: Uint8Array) => {
                const answer = await pool.run({ kind: 'hash', data }, [data.buffer as ArrayBuffer]);
                if (answer.kind === 'hash') (digests[e] as Buffer).set(answer.digest, slice.index * DIGEST_BYTES);
              },
            }
          : {}),
        progress,
        inFlight: pool.threads * 2 + 2,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.reread ? { reread: options.reread } : {}),
      },
      'clone',
    );
    let verification: CompareResult | null = null;
    if (options.verify) {
      verification = await compareTarget({
        disk: target,
        extents,
        chunkBytes,
        tableWrites: plan.tableWrites,
        expected: (e, i) => (digests[e] as Buffer).subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES),
        describe: (e, i) => chunkPlaceText(plan.extents[e] as PlannedExtent, chunkBytes, i),
        pool,
        progress,
      });
      if (verification.mismatchCount > 0) {
        throw new LifeboatError(
          'VERIFY_MISMATCH',
          `Reading ${target.path} back found ${verification.mismatchCount} difference(s) from ${source.path}: ${verification.mismatches.slice(0, 3).join(' ')}`,
        );
      }
    }
    progress.finish();
    return { copiedBytes: plan.usedBytes, durationSeconds: progress.elapsedSeconds, verification };
  } finally {
    await pool.close();
  }
}
