/**
 * Deterministic bytes for the bench disks. Random data is an AES-128-CTR keystream keyed by the
 * seed and a label: as incompressible as crypto randomness, replayable from the seed, and fast
 * enough (hundreds of MB/s) that building a 4 GiB disk is not bound by it. Compressed media are
 * real compressed streams (zstd and gzip frames of the text corpus), which is what photos,
 * videos, archives and office files look like to a second compressor: entropy-coded bytes with
 * frame headers, on which zstd -3 saves next to nothing.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';

/** A stream of seeded random bytes; each label gives an independent stream. */
export class SeededBytes {
  private readonly cipher: ReturnType<typeof createCipheriv>;

  constructor(seed: number, label: string) {
    const key = createHash('sha256').update(`lifeboat-bench:${seed}:${label}`).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }

  next(sizeBytes: number): Buffer {
    return this.cipher.update(Buffer.alloc(sizeBytes));
  }
}

export type MediaCodec = 'zstd' | 'gzip';

/**
 * `text` compressed as one frame: zstd level 1 (what fast archivers and many formats use) or
 * gzip level 1 (deflate, the codec inside PNG, ZIP, DOCX and PDF streams). Fast levels, because
 * the bench writes hundreds of MiB of them and the output is incompressible at any level.
 */
export function compressedFrame(text: Buffer, codec: MediaCodec): Buffer {
  return codec === 'zstd' ? compress(text, { compressionLevel: 1 }) : gzipSync(text, { level: 1 });
}
