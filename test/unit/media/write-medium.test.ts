import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { LifeboatError } from '../../../recovery/core/errors.js';
import { planMedium, type MediumPlan } from '../../../recovery/media/medium-plan.js';
import { writeMedium } from '../../../recovery/media/write-medium.js';
import type { ProgressEvent } from '../../../recovery/pipeline/progress.js';
import { hybridImage, MemoryDisk, type DiskEvent } from './memory-disks.js';

const S = 512;
const MiB = 1024 * 1024;
const IMAGE_BYTES = 10 * MiB + 8 * 1024;
const TARGET_BYTES = 96 * MiB;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function setUp(corrupt?: (offsetBytes: number, data: Uint8Array) => Uint8Array) {
  const bytes = hybridImage({ sizeBytes: IMAGE_BYTES });
  const image = new MemoryDisk('/memory/live.iso', bytes);
  const events: DiskEvent[] = [];
  const target = new MemoryDisk('/memory/stick', TARGET_BYTES, events, corrupt);
  const plan: MediumPlan = await planMedium({ path: image.path, sizeBytes: bytes.length, source: bufferSource(bytes) }, target, { dataPartition: true });
  const format = () => {
    events.push({ kind: 'format' });
    return Promise.resolve();
  };
  return { bytes, image, target, events, plan, format };
}

async function failure(run: Promise<unknown>): Promise<LifeboatError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LifeboatError);
  return error as LifeboatError;
}

describe('the order a media write keeps', () => {
  it('clears, formats, copies all but the first MiB, then that MiB downwards, flushes, and writes sector 0 last of all', async () => {
    const { bytes, image, target, events, plan, format } = await setUp();
    const seen: ProgressEvent[] = [];
    const result = await writeMedium({ image, target, plan, format, onProgress: (e) => seen.push(e) });

    const writes = events.flatMap((e, i) => (e.kind === 'write' ? [{ ...e, i }] : []));
    const at = (kind: DiskEvent['kind']) => events.findIndex((e) => e.kind === kind);
    // 1. the clear: zeros over the first and last MiB, flushed, before anything else.
    expect(writes.slice(0, 2).map((w) => [w.offsetBytes, w.lengthBytes])).toEqual([
      [0, MiB],
      [TARGET_BYTES - MiB, MiB],
    ]);
    expect(events[2]).toEqual({ kind: 'flush' });
    // 2. the data partition's filesystem, before any byte of the image.
    expect(at('format')).toBe(3);
    // 3. the image from its second MiB on, in ascending order.
    const copy = writes.filter((w) => w.i > 3 && w.offsetBytes >= MiB);
    expect(copy.map((w) => w.offsetBytes)).toEqual([...copy.map((w) => w.offsetBytes)].sort((a, b) => a - b));
    expect(copy.reduce((sum, w) => sum + w.lengthBytes, 0)).toBe(IMAGE_BYTES - MiB);
    // 4. then the first MiB from its end down to sector 1, after every other image byte.
    const head = writes.filter((w) => w.i > 3 && w.offsetBytes < MiB && w.offsetBytes > 0);
    expect(head.every((w) => w.i > Math.max(...copy.map((c) => c.i)))).toBe(true);
    expect(head.map((w) => w.offsetBytes)).toEqual([...head.map((w) => w.offsetBytes)].sort((a, b) => b - a));
    expect(head.at(-1)?.offsetBytes).toBe(S);
    // 5. sector 0 last, between two flushes, and never before.
    const zero = writes.filter((w) => w.offsetBytes === 0);
    expect(zero).toHaveLength(2);
    const last = zero[1] as (typeof zero)[number];
    expect(last.lengthBytes).toBe(S);
    expect(writes.at(-1)?.i).toBe(last.i);
    expect(events[last.i - 1]).toEqual({ kind: 'flush' });
    expect(events[last.i + 1]).toEqual({ kind: 'flush' });

    // What the stick holds: the new sector 0, then the image; the digests say so.
    const expected = Buffer.concat([plan.firstSector, bytes.subarray(S)]);
    expect(Buffer.from(target.bytes.subarray(0, IMAGE_BYTES)).equals(expected)).toBe(true);
    expect(result.imageSha256).toBe(sha256(bytes));
    expect(result.expectedSha256).toBe(sha256(expected));
    expect(result.readbackSha256).toBe(result.expectedSha256);
    expect(result.readbackDirect).toBe(false);
    expect([...new Set(seen.map((e) => e.phase))]).toEqual(['clear', 'format', 'data', 'flush', 'readback', 'table', 'done']);
    expect(seen.every((e) => e.operation === 'media')).toBe(true);
  });

  it('a stick that returns other bytes than were written: MEDIA_WRITE_MISMATCH naming the first bad block, and no partition table', async () => {
    const badAt = 5 * MiB + 7;
    const { image, target, plan, format } = await setUp((offset, data) => {
      if (offset > badAt || offset + data.length <= badAt) return data;
      const copy = Uint8Array.from(data);
      copy[badAt - offset] = (copy[badAt - offset] ?? 0) ^ 0x01;
      return copy;
    });
    const error = await failure(writeMedium({ image, target, plan, format }));
    expect(error.code).toBe('MEDIA_WRITE_MISMATCH');
    expect(error.message).toContain(`bytes ${5 * MiB}-${9 * MiB - 1}`);
    expect(error.details.offsetBytes).toBe(5 * MiB);
    expect(target.bytes.subarray(0, S).every((b) => b === 0)).toBe(true);
  });

  it('a cancel during the copy stops with CANCELLED and leaves sector 0 zero', async () => {
    const { image, target, plan, format } = await setUp();
    const controller = new AbortController();
    const error = await failure(
      writeMedium({
        image,
        target,
        plan,
        format,
        signal: controller.signal,
        blockBytes: MiB,
        onProgress: (e) => (e.phase === 'data' ? controller.abort() : undefined),
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('no partition table');
    expect(target.bytes.subarray(0, S).every((b) => b === 0)).toBe(true);
  });

  it('refuses to run a plan made for another target or image', async () => {
    const { image, plan, format } = await setUp();
    const other = new MemoryDisk('/memory/small', 16 * MiB);
    expect((await failure(writeMedium({ image, target: other, plan, format }))).code).toBe('INTERNAL');
    expect(other.bytes.every((b) => b === 0xee)).toBe(true);
  });
});
