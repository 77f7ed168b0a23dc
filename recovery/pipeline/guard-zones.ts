/**
 * The first and the last MiB of what a restore or clone writes (the whole target disk, or the
 * partition's span) are its guard zones. Every partition table and nearly every signature a prober
 * looks for on a whole device lives there: MBR and GPT headers, the backup GPT, filesystem
 * superblocks and boot sectors (0, 1 KiB, 32 KiB, 64 KiB), RAID and LVM labels at either end. The
 * clear step zeroes both zones before any data is written, and they are written with their final
 * bytes only in the last step, after every other byte is durable. Until then nothing recognises
 * the target: no partition table, no filesystem.
 */
import type { PlannedWrite } from '../partitions/partition-table.js';
import type { ChunkPiece } from './extents.js';

export const GUARD_BYTES = 1024 * 1024;

/** A byte span of the target: the part of it a write owns. */
export interface WriteRegion {
  offsetBytes: number;
  sizeBytes: number;
}

/** [startBytes, endBytes) on the target. */
export interface ByteSpan {
  startBytes: number;
  endBytes: number;
}

/** The head and tail guard of a region, in target bytes, head first; one span when they meet. */
export function guardZones(region: WriteRegion): ByteSpan[] {
  const start = region.offsetBytes;
  const end = region.offsetBytes + region.sizeBytes;
  const headEnd = Math.min(end, start + GUARD_BYTES);
  const tailStart = Math.max(headEnd, end - GUARD_BYTES);
  return tailStart < end
    ? [
        { startBytes: start, endBytes: headEnd },
        { startBytes: tailStart, endBytes: end },
      ]
    : [{ startBytes: start, endBytes: headEnd }];
}

function overlap(a: ByteSpan, b: ByteSpan): ByteSpan | null {
  const startBytes = Math.max(a.startBytes, b.startBytes);
  const endBytes = Math.min(a.endBytes, b.endBytes);
  return startBytes < endBytes ? { startBytes, endBytes } : null;
}

/** `spans` minus `holes`; both sorted or not, the answer is sorted and merged. */
export function subtractSpans(spans: readonly ByteSpan[], holes: readonly ByteSpan[]): ByteSpan[] {
  const cuts = [...holes].sort((a, b) => a.startBytes - b.startBytes);
  const out: ByteSpan[] = [];
  for (const span of [...spans].sort((a, b) => a.startBytes - b.startBytes)) {
    let cursor = span.startBytes;
    for (const cut of cuts) {
      if (cut.endBytes <= cursor) continue;
      if (cut.startBytes >= span.endBytes) break;
      if (cut.startBytes > cursor) out.push({ startBytes: cursor, endBytes: cut.startBytes });
      cursor = Math.max(cursor, cut.endBytes);
    }
    if (cursor < span.endBytes) out.push({ startBytes: cursor, endBytes: span.endBytes });
  }
  return out;
}

/** The parts of a chunk's pieces (extent-relative) that lie outside every zone, extent-relative. */
export function piecesOutside(pieces: readonly ChunkPiece[], extentStartBytes: number, zones: readonly ByteSpan[]): ChunkPiece[] {
  const absolute = pieces.map((p) => ({ startBytes: extentStartBytes + p.offsetBytes, endBytes: extentStartBytes + p.offsetBytes + p.lengthBytes }));
  return subtractSpans(absolute, zones).map((s) => ({ offsetBytes: s.startBytes - extentStartBytes, lengthBytes: s.endBytes - s.startBytes }));
}

/** The parts of a chunk's pieces that lie inside `zone`, as target spans. */
export function piecesInside(pieces: readonly ChunkPiece[], extentStartBytes: number, zone: ByteSpan): ByteSpan[] {
  const found: ByteSpan[] = [];
  for (const p of pieces) {
    const inside = overlap({ startBytes: extentStartBytes + p.offsetBytes, endBytes: extentStartBytes + p.offsetBytes + p.lengthBytes }, zone);
    if (inside) found.push(inside);
  }
  return found;
}

/** Zeros over both zones (head first: the MBR is the very first sector a restore overwrites). */
export function zoneClearWrites(zones: readonly ByteSpan[]): PlannedWrite[] {
  return zones.map((zone, i) => ({
    offsetBytes: zone.startBytes,
    bytes: new Uint8Array(zone.endBytes - zone.startBytes),
    what: i === 0 ? 'first MiB' : 'last MiB',
  }));
}

export function spanOfWrite(write: PlannedWrite): ByteSpan {
  return { startBytes: write.offsetBytes, endBytes: write.offsetBytes + write.bytes.length };
}

export function isInside(span: ByteSpan, zones: readonly ByteSpan[]): boolean {
  return zones.some((zone) => span.startBytes >= zone.startBytes && span.endBytes <= zone.endBytes);
}
