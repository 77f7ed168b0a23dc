/**
 * Appends compressed chunks to pack files. A pack is sealed (trailer written, fsynced, renamed into
 * packs/) when the next blob would pass the size limit and when the capture finishes; a location
 * handed out is valid for readers only once its pack is sealed, which is why the index is written
 * after finish() (docs/image-format.md, ordering rules). The open pack is written blob after blob
 * with no gap, so what a killed writer leaves in tmp/ can be salvaged (tmp-packs.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { failpoint } from '../core/failpoints/failpoint.js';
import type { ChunkLocation } from './chunk-index.js';
import { DurableFile, repositoryWriteError } from './durable-file.js';
import {
  BLOB_HEADER_BYTES,
  DEFAULT_PACK_SIZE_BYTES,
  PACK_FOOTER_BYTES,
  PACK_HEADER_BYTES,
  PACK_MAGIC,
  PACK_VERSION,
  TRAILER_ENTRY_BYTES,
} from './format-constants.js';

export interface StoredChunk {
  digest: Uint8Array;
  codec: number;
  stored: Uint8Array;
  plainBytes: number;
  crc32c: number;
}

export function packPath(repoDir: string, packId: string): string {
  return path.join(repoDir, 'packs', packId.slice(0, 2), `${packId}.pack`);
}

export function encodeTrailerEntry(out: Buffer, at: number, chunk: Omit<StoredChunk, 'stored'> & { offsetBytes: number; storedBytes: number }): void {
  out.set(chunk.digest, at);
  out.writeBigUInt64LE(BigInt(chunk.offsetBytes), at + 32);
  out.writeUInt8(chunk.codec, at + 40);
  out.writeUInt32LE(chunk.storedBytes, at + 44);
  out.writeUInt32LE(chunk.plainBytes, at + 48);
  out.writeUInt32LE(chunk.crc32c, at + 52);
}

/** The end of a pack: its trailer entries, then the footer (count, SHA-256 of the entries, magic). */
export function packTrailerBytes(trailer: readonly Buffer[]): Buffer {
  const entries = Buffer.concat(trailer);
  const footer = Buffer.alloc(PACK_FOOTER_BYTES);
  footer.writeUInt32LE(trailer.length, 0);
  createHash('sha256').update(entries).digest().copy(footer, 8);
  PACK_MAGIC.copy(footer, 40);
  return Buffer.concat([entries, footer]);
}

/**
 * How much of an open pack may sit unsynced: a power cut loses at most this much of it (a killed
 * process loses nothing the kernel has); the next capture salvages the synced part (tmp-packs.ts).
 */
export const PACK_SYNC_EVERY_BYTES = 64 * 1024 * 1024;

interface OpenPack {
  id: string;
  file: DurableFile;
  sizeBytes: number;
  trailer: Buffer[];
  unsyncedBytes: number;
}

export class PackWriter {
  private current: OpenPack | null = null;
  /** Packs sealed by this writer, in order. */
  readonly sealed: string[] = [];
  storedBytes = 0;

  constructor(
    private readonly repoDir: string,
    private readonly maxPackBytes = DEFAULT_PACK_SIZE_BYTES,
    private readonly syncEveryBytes = PACK_SYNC_EVERY_BYTES,
  ) {}

  async append(chunk: StoredChunk): Promise<ChunkLocation> {
    const blobBytes = BLOB_HEADER_BYTES + chunk.stored.byteLength;
    if (this.current && this.current.sizeBytes + blobBytes + TRAILER_ENTRY_BYTES * (this.current.trailer.length + 1) + PACK_FOOTER_BYTES > this.maxPackBytes) {
      await this.seal();
    }
    const pack = this.current ?? (await this.open());
    const offsetBytes = pack.sizeBytes;
    const header = Buffer.alloc(BLOB_HEADER_BYTES);
    header.set(chunk.digest, 0);
    header.writeUInt8(chunk.codec, 32);
    header.writeUInt32LE(chunk.stored.byteLength, 36);
    header.writeUInt32LE(chunk.plainBytes, 40);
    header.writeUInt32LE(chunk.crc32c, 44);
    try {
      await pack.file.write(header, offsetBytes);
      await pack.file.write(chunk.stored, offsetBytes + BLOB_HEADER_BYTES);
      pack.unsyncedBytes += blobBytes;
      if (pack.unsyncedBytes >= this.syncEveryBytes) {
        await pack.file.handle.datasync();
        pack.unsyncedBytes = 0;
      }
    } catch (error) {
      throw repositoryWriteError(error, packPath(this.repoDir, pack.id));
    }
    pack.sizeBytes += blobBytes;
    this.storedBytes += blobBytes;
    const entry = Buffer.alloc(TRAILER_ENTRY_BYTES);
    encodeTrailerEntry(entry, 0, { ...chunk, offsetBytes, storedBytes: chunk.stored.byteLength });
    pack.trailer.push(entry);
    failpoint('capture.after-blob-append');
    return { packId: pack.id, offsetBytes, codec: chunk.codec, storedBytes: chunk.stored.byteLength, plainBytes: chunk.plainBytes };
  }

  /** Seals the open pack, if any. */
  async finish(): Promise<void> {
    if (this.current) await this.seal();
  }

  async abandon(): Promise<void> {
    await this.current?.file.abandon();
    this.current = null;
  }

  private async open(): Promise<OpenPack> {
    const id = randomBytes(16).toString('hex');
    const file = await DurableFile.create(this.repoDir, packPath(this.repoDir, id)).catch((error: unknown) => {
      throw repositoryWriteError(error, packPath(this.repoDir, id));
    });
    const header = Buffer.alloc(PACK_HEADER_BYTES);
    PACK_MAGIC.copy(header, 0);
    header.writeUInt16LE(PACK_VERSION, 8);
    header.write(id, 16, 'hex');
    await file.write(header, 0);
    this.current = { id, file, sizeBytes: PACK_HEADER_BYTES, trailer: [], unsyncedBytes: 0 };
    return this.current;
  }

  private async seal(): Promise<void> {
    const pack = this.current;
    if (!pack) return;
    this.current = null;
    const end = packTrailerBytes(pack.trailer);
    try {
      await pack.file.write(end, pack.sizeBytes);
      await pack.file.commit(() => failpoint('capture.after-pack-seal'));
    } catch (error) {
      await pack.file.abandon();
      throw repositoryWriteError(error, packPath(this.repoDir, pack.id));
    }
    failpoint('capture.after-pack-rename');
    this.storedBytes += end.length + PACK_HEADER_BYTES;
    this.sealed.push(pack.id);
  }
}
