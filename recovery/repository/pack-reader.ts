/**
 * Reads blobs out of sealed packs, and a pack's trailer (to list what a pack holds without the
 * index). Every length is checked against the format's bounds before a buffer is allocated.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { crc32c } from '../core/checksums.js';
import { LifeboatError } from '../core/errors.js';
import type { ChunkLocation } from './chunk-index.js';
import {
  BLOB_HEADER_BYTES,
  MAX_CHUNK_SIZE_BYTES,
  MAX_STORED_OVERHEAD_BYTES,
  PACK_FOOTER_BYTES,
  PACK_HEADER_BYTES,
  PACK_MAGIC,
  TRAILER_ENTRY_BYTES,
  digestHex,
} from './format-constants.js';
import { openRegularFile, packHeaderProblem, readExactly } from './pack-blobs.js';
import { packPath } from './pack-writer.js';

export interface PackEntry {
  digest: Buffer;
  location: ChunkLocation;
  crc32c: number;
}

/** The chunks a sealed pack holds, from its trailer (checked by its SHA-256 and bounds). */
export async function readPackTrailer(repoDir: string, packId: string): Promise<PackEntry[]> {
  const file = packPath(repoDir, packId);
  const damaged = (why: string) => new LifeboatError('CORRUPT_IMAGE', `The pack ${file} is damaged (${why}).`);
  const { handle, sizeBytes: size } = await openRegularFile(file, 'pack');
  try {
    if (size < PACK_HEADER_BYTES + PACK_FOOTER_BYTES) throw damaged('shorter than a header and a footer');
    const headerProblem = packHeaderProblem(await readExactly(handle, PACK_HEADER_BYTES, 0), packId, file);
    if (headerProblem) throw damaged(headerProblem);
    const footer = await readExactly(handle, PACK_FOOTER_BYTES, size - PACK_FOOTER_BYTES);
    if (!footer.subarray(40, 48).equals(PACK_MAGIC)) throw damaged('no pack magic at its end; it was not sealed');
    const count = footer.readUInt32LE(0);
    const entriesBytes = count * TRAILER_ENTRY_BYTES;
    if (PACK_HEADER_BYTES + entriesBytes + PACK_FOOTER_BYTES > size) throw damaged(`its trailer claims ${count} chunks, more than the file can hold`);
    const entries = await readExactly(handle, entriesBytes, size - PACK_FOOTER_BYTES - entriesBytes);
    if (!createHash('sha256').update(entries).digest().equals(footer.subarray(8, 40))) throw damaged('its trailer fails its SHA-256');
    const result: PackEntry[] = [];
    const trailerStart = size - PACK_FOOTER_BYTES - entriesBytes;
    for (let at = 0; at < entriesBytes; at += TRAILER_ENTRY_BYTES) {
      const offsetBytes = Number(entries.readBigUInt64LE(at + 32));
      const storedBytes = entries.readUInt32LE(at + 44);
      const plainBytes = entries.readUInt32LE(at + 48);
      if (
        offsetBytes < PACK_HEADER_BYTES ||
        offsetBytes + BLOB_HEADER_BYTES + storedBytes > trailerStart ||
        plainBytes > MAX_CHUNK_SIZE_BYTES ||
        storedBytes > plainBytes + MAX_STORED_OVERHEAD_BYTES
      ) {
        throw damaged(`trailer entry ${at / TRAILER_ENTRY_BYTES} points outside the pack`);
      }
      result.push({
        digest: Buffer.from(entries.subarray(at, at + 32)),
        location: { packId, offsetBytes, codec: entries.readUInt8(at + 40), storedBytes, plainBytes },
        crc32c: entries.readUInt32LE(at + 52),
      });
    }
    return result;
  } finally {
    await handle.close();
  }
}

/** Keeps a few packs open for positional reads; close() when done. */
export class PackReader {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(private readonly repoDir: string) {}

  /**
   * The stored bytes of one chunk, after checking the blob header agrees with the index and the
   * CRC-32C matches. The digest of the plaintext is checked by whoever decompresses it.
   */
  async readStored(digest: Uint8Array, location: ChunkLocation): Promise<Buffer> {
    const file = packPath(this.repoDir, location.packId);
    const handle = await this.handle(location.packId);
    const length = BLOB_HEADER_BYTES + location.storedBytes;
    const blob = await readExactly(handle, length, location.offsetBytes);
    const name = digestHex(digest).slice(0, 16);
    const damaged = (why: string) =>
      new LifeboatError('CORRUPT_IMAGE', `Chunk ${name} in pack ${file} at byte ${location.offsetBytes} is damaged (${why}).`, {
        details: { offsetBytes: location.offsetBytes },
      });
    if (blob.length !== length) throw damaged('the pack ends inside it');
    if (!blob.subarray(0, 32).equals(digest)) throw damaged('its header names another chunk');
    if (blob.readUInt32LE(36) !== location.storedBytes || blob.readUInt32LE(40) !== location.plainBytes || blob.readUInt8(32) !== location.codec)
      throw damaged('its header disagrees with the index');
    const stored = blob.subarray(BLOB_HEADER_BYTES);
    if (crc32c(stored) !== blob.readUInt32LE(44)) throw damaged('its CRC-32C does not match');
    return stored;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const handle of handles) await (await handle.catch(() => null))?.close();
  }

  private handle(packId: string): Promise<FileHandle> {
    let handle = this.handles.get(packId);
    if (handle) {
      // Least recently used goes first: re-insert on use, so an evicted pack is not one in flight.
      this.handles.delete(packId);
      this.handles.set(packId, handle);
    } else {
      // Only a handful of packs are read at a time (chunks come in disk order); cap open files.
      if (this.handles.size >= 16) {
        const [oldestId, oldest] = this.handles.entries().next().value as [string, Promise<FileHandle>];
        this.handles.delete(oldestId);
        void oldest.then((h) => h.close()).catch(() => undefined);
      }
      const file = packPath(this.repoDir, packId);
      handle = openRegularFile(file, 'pack').then(
        ({ handle: opened }) => opened,
        (cause: unknown) => {
          this.handles.delete(packId);
          if (cause instanceof LifeboatError) throw cause;
          throw new LifeboatError(
            'CHUNK_MISSING',
            `The pack ${file} cannot be opened (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); the snapshot needs it.`,
            { cause },
          );
        },
      );
      this.handles.set(packId, handle);
    }
    return handle;
  }
}
