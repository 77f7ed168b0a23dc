import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseBlobHeader } from '../../../recovery/repository/pack-blobs.js';
import { BLOB_HEADER_BYTES, MAX_CHUNK_SIZE_BYTES } from '../../../recovery/repository/format-constants.js';
import { seededRandom } from '../../helpers/seeded-random.js';

function header(fields: { digest?: Buffer; codec?: number; reserved?: number; stored?: number; plain?: number; crc?: number } = {}): Buffer {
  const bytes = Buffer.alloc(BLOB_HEADER_BYTES);
  (fields.digest ?? createHash('sha256').update('chunk').digest()).copy(bytes, 0);
  bytes.writeUInt8(fields.codec ?? 1, 32);
  bytes.writeUInt8(fields.reserved ?? 0, 34);
  bytes.writeUInt32LE(fields.stored ?? 1000, 36);
  bytes.writeUInt32LE(fields.plain ?? 65536, 40);
  bytes.writeUInt32LE(fields.crc ?? 0x1234_5678, 44);
  return bytes;
}

describe('parseBlobHeader', () => {
  it('reads a good header', () => {
    expect(parseBlobHeader(header())).toMatchObject({ codec: 1, storedBytes: 1000, plainBytes: 65536, crc32c: 0x1234_5678 });
  });

  it.each([
    ['a short read', header().subarray(0, 40), 'ends inside a blob header'],
    ['the zero digest', header({ digest: Buffer.alloc(32) }), 'zero digest'],
    ['an unknown codec', header({ codec: 7 }), 'codec 7'],
    ['reserved bytes set', header({ reserved: 1 }), 'reserved'],
    ['a plain length above the largest chunk', header({ plain: MAX_CHUNK_SIZE_BYTES + 1 }), 'plain length'],
    ['a plain length of zero', header({ plain: 0 }), 'plain length'],
    ['a stored length far above the plain one', header({ stored: 65536 + 1025 }), 'stored length'],
    ['a stored (codec 0) blob whose lengths differ', header({ codec: 0, stored: 1000 }), 'stored length'],
  ])('refuses %s', (_name, bytes, words) => {
    const answer = parseBlobHeader(bytes);
    expect(typeof answer).toBe('string');
    expect(answer).toContain(words);
  });

  it('answers a sentence or a header for any 48 bytes, never throws', () => {
    const random = seededRandom(48);
    for (let i = 0; i < 5000; i++) {
      const bytes =
        random() < 0.5
          ? randomBytes(BLOB_HEADER_BYTES)
          : header({ codec: Math.floor(random() * 3), stored: Math.floor(random() * 2 ** 32), plain: Math.floor(random() * 2 ** 27) });
      const answer = parseBlobHeader(bytes);
      if (typeof answer !== 'string') expect(answer.storedBytes).toBeLessThanOrEqual(answer.plainBytes + 1024);
    }
  });
});
