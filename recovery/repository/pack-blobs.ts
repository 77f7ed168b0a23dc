/**
 * Reading a pack front to back through its blob headers, without trusting its trailer: how a
 * leftover pack of an interrupted capture is salvaged and how `repair` keeps the readable chunks
 * of a pack whose trailer is damaged. Every header is checked against the format's bounds before
 * anything is allocated, and a blob counts only when its CRC-32C matches (and, when the caller
 * proves it, when its plaintext hashes to its name).
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32c } from '../core/checksums.js';
import { LifeboatError } from '../core/errors.js';
import {
  BLOB_HEADER_BYTES,
  CODEC_STORED,
  CODEC_ZSTD,
  DIGEST_BYTES,
  MAX_CHUNK_SIZE_BYTES,
  MAX_STORED_OVERHEAD_BYTES,
  PACK_HEADER_BYTES,
  PACK_MAGIC,
  PACK_VERSION,
  isZeroDigest,
} from './format-constants.js';

export interface BlobHeader {
  digest: Buffer;
  codec: number;
  storedBytes: number;
  plainBytes: number;
  crc32c: number;
}

/** A blob whose header is plausible and whose stored bytes match its CRC-32C. */
export interface ReadableBlob extends BlobHeader {
  offsetBytes: number;
  stored: Buffer;
}

/** Proves a blob's plaintext (decompress, SHA-256): null when it is good, else why not. */
export type BlobProof = (blob: ReadableBlob) => Promise<string | null>;

/** The header's fields, or a sentence saying why these 48 bytes cannot be a blob header. */
export function parseBlobHeader(bytes: Buffer): BlobHeader | string {
  if (bytes.length < BLOB_HEADER_BYTES) return 'the file ends inside a blob header';
  const digest = Buffer.from(bytes.subarray(0, DIGEST_BYTES));
  const codec = bytes.readUInt8(32);
  const storedBytes = bytes.readUInt32LE(36);
  const plainBytes = bytes.readUInt32LE(40);
  if (isZeroDigest(digest)) return 'a blob header names the zero digest, which is never stored';
  if (codec !== CODEC_STORED && codec !== CODEC_ZSTD) return `a blob header gives codec ${codec}`;
  if (bytes.readUIntLE(33, 3) !== 0) return 'a blob header has non-zero reserved bytes';
  if (plainBytes === 0 || plainBytes > MAX_CHUNK_SIZE_BYTES) return `a blob header gives a plain length of ${plainBytes} bytes`;
  if (storedBytes === 0 || storedBytes > plainBytes + MAX_STORED_OVERHEAD_BYTES || (codec === CODEC_STORED && storedBytes !== plainBytes))
    return `a blob header gives a stored length of ${storedBytes} bytes`;
  return { digest, codec, storedBytes, plainBytes, crc32c: bytes.readUInt32LE(44) };
}

/**
 * Opens a repository file for reading without blocking on a FIFO (O_NONBLOCK) and refuses
 * anything that is not a regular file: a hostile repository may hold a FIFO or a device there.
 */
export async function openRegularFile(file: string, what: string): Promise<{ handle: FileHandle; sizeBytes: number }> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new LifeboatError('CORRUPT_IMAGE', `The ${what} ${file} is not a regular file; a repository holds only plain files there.`);
    return { handle, sizeBytes: stats.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export async function readExactly(handle: FileHandle, lengthBytes: number, positionBytes: number): Promise<Buffer> {
  const buffer = Buffer.alloc(lengthBytes);
  let done = 0;
  while (done < lengthBytes) {
    const { bytesRead } = await handle.read(buffer, done, lengthBytes - done, positionBytes + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === lengthBytes ? buffer : buffer.subarray(0, done);
}

/** Why a pack's 32-byte header cannot be read as ours, or null; a newer version is refused outright. */
export function packHeaderProblem(header: Buffer, packId: string, file: string): string | null {
  if (header.length < PACK_HEADER_BYTES) return 'shorter than a pack header';
  if (!header.subarray(0, 8).equals(PACK_MAGIC)) return 'no pack magic at its start';
  const version = header.readUInt16LE(8);
  if (version === 0) return 'version 0 was never written';
  if (version > PACK_VERSION)
    throw new LifeboatError('UNSUPPORTED_FORMAT', `The pack ${file} has format version ${version}, written by a newer Lifeboat; use that version or newer.`);
  if (header.subarray(16, 32).toString('hex') !== packId) return 'its id differs from its name';
  return null;
}

export interface ScanResult {
  /** Where the last good blob of the unbroken run from the start ends. */
  goodPrefixEndBytes: number;
  goodBlobs: number;
  /** Blobs skipped because their CRC-32C or proof failed, with where and why. */
  damaged: Array<{ offsetBytes: number; why: string }>;
  /** Why the scan stopped before the end of the file, or null when it reached it. */
  stoppedBecause: string | null;
}

export interface ScanOptions {
  /** Bytes of the file to scan (a sealed pack's trailer is not blobs, but when it is damaged we cannot know where it starts). */
  limitBytes: number;
  proof?: BlobProof;
  /** Stop at the first bad blob (salvage keeps an unbroken prefix); otherwise skip it by its length. */
  stopAtFirstBad: boolean;
  onBlob: (blob: ReadableBlob) => Promise<void>;
}

/** Walks the blobs from the end of the pack header, calling `onBlob` for each good one, in order. */
export async function scanBlobs(handle: FileHandle, options: ScanOptions): Promise<ScanResult> {
  const result: ScanResult = { goodPrefixEndBytes: PACK_HEADER_BYTES, goodBlobs: 0, damaged: [], stoppedBecause: null };
  let offset = PACK_HEADER_BYTES;
  let unbroken = true;
  while (offset < options.limitBytes) {
    const header = parseBlobHeader(await readExactly(handle, Math.min(BLOB_HEADER_BYTES, options.limitBytes - offset), offset));
    if (typeof header === 'string') {
      result.stoppedBecause = `${header} at byte ${offset}`;
      break;
    }
    if (offset + BLOB_HEADER_BYTES + header.storedBytes > options.limitBytes) {
      result.stoppedBecause = `the blob at byte ${offset} runs past the end of the file`;
      break;
    }
    const stored = await readExactly(handle, header.storedBytes, offset + BLOB_HEADER_BYTES);
    const blob: ReadableBlob = { ...header, offsetBytes: offset, stored };
    const why = crc32c(stored) !== header.crc32c ? 'its CRC-32C does not match' : ((await options.proof?.(blob)) ?? null);
    if (why === null) {
      await options.onBlob(blob);
      result.goodBlobs++;
      if (unbroken) result.goodPrefixEndBytes = offset + BLOB_HEADER_BYTES + header.storedBytes;
    } else {
      result.damaged.push({ offsetBytes: offset, why });
      unbroken = false;
      if (options.stopAtFirstBad) {
        result.stoppedBecause = `the blob at byte ${offset} is damaged (${why})`;
        break;
      }
    }
    offset += BLOB_HEADER_BYTES + header.storedBytes;
  }
  return result;
}
