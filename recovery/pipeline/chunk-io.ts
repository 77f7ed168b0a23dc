/**
 * Moving one chunk between a disk and memory: read its used pieces (zeros everywhere else), or
 * write exactly its used pieces back.
 */
import type { Disk } from '../disks/disk.js';
import { readSpans, type ChunkPiece, type ChunkSlice } from './extents.js';

/**
 * Decides what a failed read of one span means: throw to stop, or fill `data` (the chunk's
 * buffer, zeros where the span lies) as far as it can. Capture's failing-disk handling lives here.
 */
export type SpanFailureHandler = (span: ChunkPiece, data: Uint8Array, error: unknown) => Promise<void>;

/**
 * The chunk's plaintext as the format defines it: used pieces as on the disk, every other byte
 * zero. The buffer is its own ArrayBuffer, ready to be transferred to a worker. Without
 * `onSpanError` a failed read throws as it is.
 */
export async function readChunk(disk: Disk, extentStartBytes: number, slice: ChunkSlice, onSpanError?: SpanFailureHandler): Promise<Uint8Array> {
  const data = new Uint8Array(slice.lengthBytes);
  for (const span of readSpans(slice.pieces)) {
    let bytes: Buffer;
    try {
      bytes = await disk.readAt(extentStartBytes + span.offsetBytes, span.lengthBytes);
    } catch (error) {
      if (!onSpanError) throw error;
      await onSpanError(span, data, error);
      continue;
    }
    data.set(bytes, span.offsetBytes - slice.offsetBytes);
  }
  // Zero what the joined reads brought in between pieces: free blocks never enter an image.
  let cursor = slice.offsetBytes;
  for (const piece of slice.pieces) {
    if (piece.offsetBytes > cursor) data.fill(0, cursor - slice.offsetBytes, piece.offsetBytes - slice.offsetBytes);
    cursor = piece.offsetBytes + piece.lengthBytes;
  }
  if (cursor < slice.offsetBytes + slice.lengthBytes) data.fill(0, cursor - slice.offsetBytes);
  return data;
}

/** Writes the chunk's used pieces (and nothing else) to the disk. */
export async function writeChunk(disk: Disk, extentStartBytes: number, slice: ChunkSlice, data: Uint8Array): Promise<void> {
  for (const piece of slice.pieces) {
    const from = piece.offsetBytes - slice.offsetBytes;
    await disk.writeAt(extentStartBytes + piece.offsetBytes, data.subarray(from, from + piece.lengthBytes));
  }
}
