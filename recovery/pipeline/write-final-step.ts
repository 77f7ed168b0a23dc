/**
 * The last step of a restore or clone, once every other byte is written and flushed: the guard
 * zones (guard-zones.ts) get their final bytes, used data and partition table together, in the
 * order that keeps the target unrecognisable for as long as possible:
 *
 *   1. table sectors outside the zones (EBRs) and the whole tail zone (backup GPT, end of the
 *      last partition): nothing reads a backup GPT while LBA 0 holds no protective MBR;
 *   2. the head zone from its end down to sector 1, one page at a time, so the low sectors where
 *      superblocks live (1 KiB, 32 KiB, 64 KiB) come last; this also overwrites the journal;
 *   3. flush; 4. sector 0 (the MBR, or a whole-disk filesystem's boot sector); 5. flush.
 *
 * A crash before step 4 leaves no partition table; after it, every byte is in place.
 */
import { failpoint } from '../core/failpoints/failpoint.js';
import type { Disk } from '../disks/disk.js';
import type { PlannedWrite } from '../partitions/partition-table.js';
import { usedChunks, type ChunkSlice } from './extents.js';
import { piecesInside, subtractSpans, type ByteSpan } from './guard-zones.js';
import type { TargetExtent } from './write-target.js';

const PAGE_BYTES = 4096;

export interface FinalStepJob {
  target: Disk;
  extents: readonly TargetExtent[];
  chunkBytes: number;
  zones: readonly ByteSpan[];
  tableWrites: readonly PlannedWrite[];
  supply(extentIndex: number, slice: ChunkSlice): Promise<Uint8Array>;
  /** Restore's steps are failpoints (docs/failpoints.md); clone's are not. */
  operation: 'restore' | 'clone';
}

/** The final bytes of each zone: used data from the chunks that reach into it, then the table. */
async function zoneImages(job: FinalStepJob): Promise<{ images: Uint8Array[]; outside: PlannedWrite[] }> {
  const images = job.zones.map((zone) => new Uint8Array(zone.endBytes - zone.startBytes));
  for (const [e, extent] of job.extents.entries()) {
    const extentSpan = { startBytes: extent.targetStartBytes, endBytes: extent.targetStartBytes + extent.sizeBytes };
    if (!job.zones.some((zone) => zone.startBytes < extentSpan.endBytes && extentSpan.startBytes < zone.endBytes)) continue;
    for (const slice of usedChunks(extent.ranges, extent.sizeBytes, job.chunkBytes, job.target.logicalSectorSize)) {
      const hits = job.zones.map((zone) => piecesInside(slice.pieces, extent.targetStartBytes, zone));
      if (hits.every((h) => h.length === 0)) continue;
      const data = await job.supply(e, slice);
      const chunkStart = extent.targetStartBytes + slice.offsetBytes;
      for (const [z, spans] of hits.entries()) {
        const zone = job.zones[z] as ByteSpan;
        for (const span of spans) images[z]?.set(data.subarray(span.startBytes - chunkStart, span.endBytes - chunkStart), span.startBytes - zone.startBytes);
      }
    }
  }
  const outside: PlannedWrite[] = [];
  for (const write of job.tableWrites) {
    const span = { startBytes: write.offsetBytes, endBytes: write.offsetBytes + write.bytes.length };
    for (const [z, zone] of job.zones.entries()) {
      const from = Math.max(span.startBytes, zone.startBytes);
      const to = Math.min(span.endBytes, zone.endBytes);
      if (from < to) images[z]?.set(write.bytes.subarray(from - span.startBytes, to - span.startBytes), from - zone.startBytes);
    }
    for (const rest of subtractSpans([span], job.zones)) {
      outside.push({
        offsetBytes: rest.startBytes,
        bytes: write.bytes.subarray(rest.startBytes - span.startBytes, rest.endBytes - span.startBytes),
        what: write.what,
      });
    }
  }
  return { images, outside };
}

export async function writeFinalStep(job: FinalStepJob): Promise<void> {
  const { target } = job;
  const ss = target.logicalSectorSize;
  const { images, outside } = await zoneImages(job);
  for (const write of outside) await target.writeAt(write.offsetBytes, write.bytes);
  for (let z = job.zones.length - 1; z >= 1; z--) await target.writeAt((job.zones[z] as ByteSpan).startBytes, images[z] as Uint8Array);
  const restore = job.operation === 'restore';
  if (restore) failpoint('restore.after-tail-zone');
  const head = images[0] as Uint8Array;
  const headStart = (job.zones[0] as ByteSpan).startBytes;
  const page = Math.max(PAGE_BYTES, ss);
  for (let at = Math.floor((head.length - 1) / page) * page; at >= 0; at -= page) {
    const from = Math.max(at, ss);
    const to = Math.min(at + page, head.length);
    if (from < to) await target.writeAt(headStart + from, head.subarray(from, to));
  }
  await target.flush();
  if (restore) failpoint('restore.after-head-zone');
  await target.writeAt(headStart, head.subarray(0, ss));
  await target.flush();
  if (restore) failpoint('restore.after-table');
}
