import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../recovery/pipeline/worker-pool.js';

function sample(bytes: number): Uint8Array {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 3) data[i] = i & 0xff;
  return data;
}

describe('the chunk worker pool', () => {
  const pool = new WorkerPool({ threads: 2 });
  afterAll(() => pool.close());

  it('hashes and compresses a chunk, and unpacks it back to the same bytes', async () => {
    const data = sample(1 << 20);
    const expected = createHash('sha256').update(data).digest();
    const packed = await pool.run({ kind: 'pack', data: data.slice(), level: 3 });
    if (packed.kind !== 'pack' || packed.stored === null) throw new Error(`unexpected ${packed.kind}`);
    expect(Buffer.from(packed.digest).equals(expected)).toBe(true);
    expect(packed.codec).toBe(1);
    expect(packed.stored.byteLength).toBeLessThan(data.byteLength / 2);
    const unpacked = await pool.run({ kind: 'unpack', stored: packed.stored, codec: packed.codec, plainBytes: data.byteLength, digest: packed.digest });
    if (unpacked.kind !== 'unpack') throw new Error(`unexpected ${unpacked.kind}`);
    expect(Buffer.from(unpacked.data).equals(Buffer.from(data))).toBe(true);
  });

  it('reports an all-zero chunk as zero and does not store it', async () => {
    const packed = await pool.run({ kind: 'pack', data: new Uint8Array(65536), level: 3 });
    expect(packed.kind === 'pack' && packed.zero && packed.stored === null).toBe(true);
  });

  it('refuses a chunk whose stored bytes were changed', async () => {
    const data = sample(256 * 1024);
    const packed = await pool.run({ kind: 'pack', data, level: 1 });
    if (packed.kind !== 'pack' || packed.stored === null) throw new Error('not packed');
    const bad = new Uint8Array(packed.stored);
    bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0x10;
    const answer = await pool.run({ kind: 'unpack', stored: bad, codec: packed.codec, plainBytes: 256 * 1024, digest: packed.digest });
    expect(answer.kind).toBe('error');
  });

  it('refuses a zstd frame that claims more bytes than the chunk', async () => {
    const packed = await pool.run({ kind: 'pack', data: sample(128 * 1024), level: 1 });
    if (packed.kind !== 'pack' || packed.stored === null) throw new Error('not packed');
    const answer = await pool.run({ kind: 'unpack', stored: packed.stored, codec: 1, plainBytes: 64 * 1024, digest: packed.digest });
    expect(answer).toMatchObject({ kind: 'error', reason: 'decompress' });
  });
});
