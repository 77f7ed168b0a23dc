/**
 * The fixed numbers of the image format (docs/image-format.md). Magic numbers are the first eight
 * bytes of the SHA-256 of a text without a version in it, so they never change; the version field
 * after them does.
 */
import { createHash } from 'node:crypto';

function magicOf(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, 8);
}

export const PACK_MAGIC = magicOf('Lifeboat pack file');
export const INDEX_MAGIC = magicOf('Lifeboat repository index');
export const MANIFEST_MAGIC = magicOf('Lifeboat snapshot manifest');

/** The versions this code writes, and the newest it reads. */
export const PACK_VERSION = 1;
export const INDEX_VERSION = 1;
export const MANIFEST_VERSION = 1;
export const REPOSITORY_VERSION = 1;

export const DIGEST_BYTES = 32;
/** The digest of a chunk that is not stored: no used byte in it, or all zeros. */
export const ZERO_DIGEST = Buffer.alloc(DIGEST_BYTES);

export const PACK_HEADER_BYTES = 32;
export const BLOB_HEADER_BYTES = 48;
export const TRAILER_ENTRY_BYTES = 56;
export const PACK_FOOTER_BYTES = 48;
export const INDEX_ENTRY_BYTES = 56;
export const INDEX_HEADER_BYTES = 24;

export const CODEC_STORED = 0;
export const CODEC_ZSTD = 1;

/**
 * A changed file costs at least one whole chunk in the next snapshot: 1 MiB keeps an incremental
 * capture small (4 MiB cost several times more after 1% of the files changed), while the index (56
 * bytes a chunk) and each manifest (32 bytes a chunk) stay small enough for a terabyte disk.
 */
export const DEFAULT_CHUNK_SIZE_BYTES = 1024 * 1024;
export const MIN_CHUNK_SIZE_BYTES = 64 * 1024;
export const MAX_CHUNK_SIZE_BYTES = 64 * 1024 * 1024;
/** Packs stay below 4 GiB for FAT32; the default keeps what one damaged pack can lose small. */
export const DEFAULT_PACK_SIZE_BYTES = 512 * 1024 * 1024;
export const MAX_PACK_SIZE_BYTES = 4 * 1024 * 1024 * 1024 - 1 - 64 * 1024 * 1024;
/** zstd may grow incompressible data a little; a blob bigger than this is hostile. */
export const MAX_STORED_OVERHEAD_BYTES = 1024;
export const MAX_JSON_SECTION_BYTES = 64 * 1024 * 1024;
export const MAX_METADATA_SECTION_BYTES = 16 * 1024 * 1024;

export function isValidChunkSize(bytes: number): boolean {
  return Number.isSafeInteger(bytes) && bytes >= MIN_CHUNK_SIZE_BYTES && bytes <= MAX_CHUNK_SIZE_BYTES && (bytes & (bytes - 1)) === 0;
}

export function digestHex(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}

export function isZeroDigest(digest: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength), ZERO_DIGEST) === 0;
}
