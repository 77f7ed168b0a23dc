/**
 * Writes a live image onto a stick in the order that keeps an interrupted write from ever looking
 * like a valid stick (DESIGN.md promise 3):
 *
 *   clear     zeros over the target's first and last MiB (the restore's guard zones): no old
 *             partition table or filesystem signature survives; flush.
 *   format    the data partition's exFAT, behind where the image will end (format-data-partition.ts).
 *   data      the image's bytes from its second MiB on, in large blocks, hashed as they are read;
 *             then its first MiB from the end down to sector 1 (the ISO 9660 volume descriptors at
 *             32 KiB come last); flush. Sector 0 stays zero: no MBR, no boot code.
 *   readback  everything but sector 0 read back from the device (O_DIRECT where it can, so the
 *             stick is read, not the page cache) and compared by SHA-256 with the image.
 *   table     sector 0: the image's MBR, with the data partition's entry; flush; read back.
 *   flush     the kernel re-reads the new partition table.
 *
 * Until the table step, nothing recognises the target: sfdisk finds no table, blkid no filesystem.
 */
import { createHash, type Hash } from 'node:crypto';
import { sectorSource } from '../core/byte-source.js';
import { LifeboatError } from '../core/errors.js';
import { failpoint } from '../core/failpoints/failpoint.js';
import type { Disk } from '../disks/disk.js';
import { kernelPartitions } from '../partitions/kernel-partitions.js';
import { readPartitionTable } from '../partitions/read-partition-table.js';
import { guardZones, GUARD_BYTES, zoneClearWrites } from '../pipeline/guard-zones.js';
import { ProgressTracker, type ProgressListener } from '../pipeline/progress.js';
import { ExactReader } from '../pipeline/rescue-reader.js';
import { cancelled } from '../pipeline/write-target.js';
import type { DataPartitionPlan, MediumPlan } from './medium-plan.js';

/** Large enough that a USB stick streams; small enough that two in flight cost nothing. */
export const BLOCK_BYTES = 4 * 1024 * 1024;
const PAGE_BYTES = 4096;

export interface WriteMediumJob {
  /** The image file, opened read-only as a 512-byte-sector disk. */
  image: Disk;
  target: Disk;
  plan: MediumPlan;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Makes the data partition's filesystem (needed when the plan has a data partition). */
  format?: (partition: DataPartitionPlan) => Promise<void>;
  /** Asks the kernel to re-read the table (block devices); given the partitions the new table holds. */
  reread?: (partitions: Array<{ number: number; startBytes: number; sizeBytes: number }>) => Promise<void>;
  blockBytes?: number;
}

export interface WriteMediumResult {
  /** SHA-256 of the image file as it was read. */
  imageSha256: string;
  /** SHA-256 of what the target's first image-size bytes must hold: the new sector 0, then the image from its second sector on. */
  expectedSha256: string;
  /** SHA-256 of the same bytes read back from the target (sector 0 as planned, the rest from the device). */
  readbackSha256: string;
  /** True when the read-back bypassed the page cache (O_DIRECT). */
  readbackDirect: boolean;
  writtenBytes: number;
  durationSeconds: number;
}

/** The image's blocks as the copy and the read-back both cut them: sector 1 to the end of the first MiB, then BLOCK_BYTES each. */
function blocks(sizeBytes: number, headBytes: number, sectorBytes: number, blockBytes: number): Array<{ start: number; end: number }> {
  const out = [{ start: sectorBytes, end: headBytes }];
  for (let start = headBytes; start < sizeBytes; start += blockBytes) out.push({ start, end: Math.min(sizeBytes, start + blockBytes) });
  return out.filter((b) => b.end > b.start);
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function clear(target: Disk, progress: ProgressTracker): Promise<void> {
  const writes = zoneClearWrites(guardZones({ offsetBytes: 0, sizeBytes: target.sizeBytes }));
  const total = writes.reduce((sum, w) => sum + w.bytes.length, 0);
  progress.startPhase('clear', total);
  for (const write of writes) await target.writeAt(write.offsetBytes, write.bytes);
  await target.flush();
  progress.advance(total);
}

/** Copies the image (all but its first MiB first, that MiB after it, never sector 0); returns the digests of each block. */
async function copy(
  job: WriteMediumJob,
  layout: ReturnType<typeof blocks>,
  hashes: { image: Hash; expected: Hash },
  progress: ProgressTracker,
): Promise<string[]> {
  const { image, target } = job;
  const ss = image.logicalSectorSize;
  const head = await image.readAt(0, layout[0]?.end ?? ss);
  hashes.image.update(head);
  hashes.expected.update(job.plan.firstSector).update(head.subarray(ss));
  const digests = [digestOf(head.subarray(ss))];
  progress.startPhase('data', image.sizeBytes - ss);
  const body = layout.slice(1);
  // One read ahead of the write: the image file and the stick work at the same time.
  let next = body[0] ? image.readAt(body[0].start, body[0].end - body[0].start) : null;
  try {
    for (const [i, block] of body.entries()) {
      if (job.signal?.aborted) throw cancelled('media write');
      const data = await (next as Promise<Buffer>);
      const following = body[i + 1];
      next = following ? image.readAt(following.start, following.end - following.start) : null;
      hashes.image.update(data);
      hashes.expected.update(data);
      digests.push(digestOf(data));
      await target.writeAt(block.start, data);
      progress.advance(data.length);
    }
  } finally {
    // A failed write or a cancel leaves the read ahead in flight: its own failure must not go unhandled.
    void next?.catch(() => undefined);
  }
  if (job.signal?.aborted) throw cancelled('media write');
  failpoint('media.after-body');
  // The first MiB last, from its end down to sector 1, so the low sectors where volume descriptors live come last.
  for (let at = Math.floor((head.length - 1) / PAGE_BYTES) * PAGE_BYTES; at >= 0; at -= PAGE_BYTES) {
    const from = Math.max(at, ss);
    const to = Math.min(at + PAGE_BYTES, head.length);
    if (from < to) await target.writeAt(from, head.subarray(from, to));
  }
  progress.advance(head.length - ss);
  progress.startPhase('flush', 0);
  await target.flush();
  return digests;
}

async function readBack(
  job: WriteMediumJob,
  exact: ExactReader,
  layout: ReturnType<typeof blocks>,
  digests: readonly string[],
  progress: ProgressTracker,
): Promise<string> {
  const hash = createHash('sha256').update(job.plan.firstSector);
  progress.startPhase('readback', job.image.sizeBytes - job.image.logicalSectorSize);
  let firstBad: { start: number; end: number } | null = null;
  for (const [i, block] of layout.entries()) {
    if (job.signal?.aborted) throw cancelled('media write');
    const data = await exact.readAt(block.start, block.end - block.start);
    hash.update(data);
    if (firstBad === null && digestOf(data) !== digests[i]) firstBad = block;
    progress.advance(data.length);
  }
  const readback = hash.digest('hex');
  if (firstBad !== null) {
    throw new LifeboatError(
      'MEDIA_WRITE_MISMATCH',
      `What ${job.target.path} reads back differs from the image, first in bytes ${firstBad.start}-${firstBad.end - 1}. It was left without a partition table or boot code. Write it again; if it fails again, the stick is failing: use another one.`,
      { details: { device: job.target.path, offsetBytes: firstBad.start } },
    );
  }
  return readback;
}

async function writeFirstSector(job: WriteMediumJob, exact: ExactReader, progress: ProgressTracker): Promise<void> {
  const { target, plan } = job;
  progress.startPhase('table', plan.firstSector.length);
  await target.writeAt(0, plan.firstSector);
  await target.flush();
  const back = await exact.readAt(0, plan.firstSector.length);
  if (Buffer.compare(back, plan.firstSector) !== 0) {
    throw new LifeboatError(
      'MEDIA_WRITE_MISMATCH',
      `The partition table read back from ${target.path} differs from the one written. Write the stick again; if it fails again, use another stick.`,
      {
        details: { device: target.path, offsetBytes: 0 },
      },
    );
  }
  progress.advance(plan.firstSector.length);
}

export async function writeMedium(job: WriteMediumJob): Promise<WriteMediumResult> {
  const { image, target, plan } = job;
  const ss = image.logicalSectorSize;
  if (target.logicalSectorSize !== ss || image.sizeBytes !== plan.image.sizeBytes || target.sizeBytes < plan.requiredBytes) {
    throw new LifeboatError(
      'INTERNAL',
      `The write plan does not fit ${target.path} or ${image.path} any more (sizes changed since planning); run the command again.`,
    );
  }
  const progress = new ProgressTracker('media', job.onProgress);
  const layout = blocks(image.sizeBytes, Math.min(GUARD_BYTES, image.sizeBytes), ss, job.blockBytes ?? BLOCK_BYTES);
  await clear(target, progress);
  failpoint('media.after-clear');

  if (plan.dataPartition) {
    if (!job.format) throw new LifeboatError('INTERNAL', 'A data partition was planned but nothing can format it; report this as a bug.');
    progress.startPhase('format', 0);
    await job.format(plan.dataPartition);
    failpoint('media.after-format');
  }

  const hashes = { image: createHash('sha256'), expected: createHash('sha256') };
  const digests = await copy(job, layout, hashes, progress);
  const expectedSha256 = hashes.expected.digest('hex');
  const exact = await ExactReader.open(target);
  let readbackSha256: string;
  let readbackDirect: boolean;
  try {
    readbackSha256 = await readBack(job, exact, layout, digests, progress);
    failpoint('media.after-readback');
    await writeFirstSector(job, exact, progress);
    failpoint('media.after-table');
    // Read after the reads: the reader falls back to the page cache if the device refuses its alignment.
    readbackDirect = exact.direct;
  } finally {
    await exact.close();
  }
  if (job.reread) {
    progress.startPhase('flush', 0);
    const table = await readPartitionTable(sectorSource(target), ss);
    await job.reread(kernelPartitions(table));
  }
  progress.finish();
  return {
    imageSha256: hashes.image.digest('hex'),
    expectedSha256,
    readbackSha256,
    readbackDirect,
    writtenBytes: image.sizeBytes,
    durationSeconds: progress.elapsedSeconds,
  };
}
