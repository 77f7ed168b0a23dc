import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compress, decompress } from 'zstd-napi';

/**
 * The codec images will use is a native addon built by `npm ci`; this catches a failed or
 * mismatched build (wrong Node ABI, missing binding) long before a capture would.
 */
describe('the zstd addon built by npm ci', () => {
  it('round-trips text and random data, and shrinks the text', () => {
    const text = Buffer.from('Lifeboat keeps every used block of the disk. '.repeat(4096));
    const noise = randomBytes(256 * 1024);
    for (const input of [text, noise]) {
      const packed = compress(input, { compressionLevel: 3 });
      expect(Buffer.from(decompress(packed)).equals(input)).toBe(true);
    }
    expect(compress(text, { compressionLevel: 3 }).length).toBeLessThan(text.length / 50);
  });
});
