/**
 * The aligning layer Windows disk devices use, on a plain file with a pretend 4096-byte sector:
 * every system call it makes must be whole sectors, at a sector, from the aligned arena, and the
 * file must end up exactly as unaligned writes on a model in memory say (read back with fs, not
 * through the layer).
 */
import { mkdtemp, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlignedIo, BOUNCE_BYTES, isBounceBuffer, ShortTransferError, type PositionalIo } from '../../../recovery/disks/aligned-io.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const SECTOR = 4096;
const FILE_BYTES = 3 * BOUNCE_BYTES + 5 * SECTOR;

interface Call {
  kind: 'read' | 'write';
  position: number;
  length: number;
  address: number;
  arena: boolean;
}

/** Passes calls to the file and records them; `cap` makes the "device" transfer fewer bytes than asked. */
function watched(handle: FileHandle, calls: Call[], options: { cap?: number; yieldFirst?: boolean } = {}): PositionalIo {
  const record = (kind: Call['kind'], buffer: Uint8Array, offset: number, length: number, position: number) =>
    calls.push({ kind, position, length, address: buffer.byteOffset + offset, arena: isBounceBuffer(buffer) });
  const pause = () => (options.yieldFirst ? new Promise<void>((resolve) => setTimeout(resolve, 2)) : Promise.resolve());
  return {
    async read(buffer, offset, length, position) {
      record('read', buffer, offset, length, position);
      await pause();
      return handle.read(buffer, offset, Math.min(length, options.cap ?? length), position);
    },
    async write(buffer, offset, length, position) {
      record('write', buffer, offset, length, position);
      await pause();
      return handle.write(buffer, offset, Math.min(length, options.cap ?? length), position);
    },
  };
}

function expectAllAligned(calls: Call[]): void {
  expect(calls.length).toBeGreaterThan(0);
  const bad = calls.filter(
    (call) => call.position % SECTOR !== 0 || call.length % SECTOR !== 0 || call.length === 0 || call.address % SECTOR !== 0 || !call.arena,
  );
  expect(bad).toEqual([]);
}

describe('aligned I/O over a file with 4096-byte sectors', () => {
  let dir: string;
  let file: string;
  let handle: FileHandle;
  let model: Buffer;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-aligned-'));
    file = path.join(dir, 'disk.img');
    const random = seededRandom(7);
    model = Buffer.alloc(FILE_BYTES);
    for (let i = 0; i < FILE_BYTES; i++) model[i] = Math.floor(random() * 256);
    await writeFile(file, model);
    handle = await open(file, 'r+');
  });

  afterEach(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and writes at any offset and length, crossing bounce buffers, and issues only aligned calls', async () => {
    const calls: Call[] = [];
    const io = new AlignedIo(watched(handle, calls), SECTOR);
    const random = seededRandom(2024);
    const pick = (limit: number) => Math.floor(random() * limit);
    for (let round = 0; round < 60; round++) {
      const position = pick(FILE_BYTES - 1);
      // Mostly small, sometimes longer than one bounce buffer.
      const length = Math.min(FILE_BYTES - position, round % 10 === 0 ? BOUNCE_BYTES + pick(BOUNCE_BYTES) : 1 + pick(3 * SECTOR));
      if (round % 2 === 0) {
        const data = Buffer.from(Array.from({ length }, () => pick(256)));
        await io.writeAt(position, data);
        data.copy(model, position);
      } else {
        expect((await io.readAt(position, length)).equals(model.subarray(position, position + length)), `read ${position}+${length}`).toBe(true);
      }
    }
    expect((await readFile(file)).equals(model)).toBe(true);
    expectAllAligned(calls);
    // The partial sectors were read before being written (read-modify-write), not guessed.
    expect(calls.some((call) => call.kind === 'read' && call.length === SECTOR)).toBe(true);
  });

  it('a whole-sector write is written as is, with no read first', async () => {
    const calls: Call[] = [];
    const io = new AlignedIo(watched(handle, calls), SECTOR);
    const data = Buffer.alloc(2 * SECTOR, 0x5a);
    await io.writeAt(3 * SECTOR, data);
    expect(calls.map((call) => [call.kind, call.position, call.length])).toEqual([['write', 3 * SECTOR, 2 * SECTOR]]);
    data.copy(model, 3 * SECTOR);
    expect((await readFile(file)).equals(model)).toBe(true);
  });

  it('resumes short transfers from the start of the sector they stopped in', async () => {
    const calls: Call[] = [];
    // The "device" moves at most 2.5 sectors per call.
    const io = new AlignedIo(watched(handle, calls, { cap: 2 * SECTOR + SECTOR / 2 }), SECTOR);
    const data = Buffer.alloc(7 * SECTOR + 123, 0xc3);
    await io.writeAt(SECTOR + 7, data);
    data.copy(model, SECTOR + 7);
    expect((await io.readAt(SECTOR - 5, 9 * SECTOR)).equals(model.subarray(SECTOR - 5, 10 * SECTOR - 5))).toBe(true);
    expect((await readFile(file)).equals(model)).toBe(true);
    expectAllAligned(calls);
    expect(calls.filter((call) => call.kind === 'write').length).toBeGreaterThan(2);
  });

  it('partial writes to different bytes of one sector, all at once, keep every byte', async () => {
    const calls: Call[] = [];
    // Each call waits a little, so unserialised read-modify-writes would interleave and lose bytes.
    const io = new AlignedIo(watched(handle, calls, { yieldFirst: true }), SECTOR);
    const writes = Array.from({ length: 16 }, (_, i) => ({ position: 5 * SECTOR + i * 100, data: Buffer.alloc(50, i + 1) }));
    await Promise.all(writes.map((w) => io.writeAt(w.position, w.data)));
    for (const w of writes) w.data.copy(model, w.position);
    expect((await readFile(file)).equals(model)).toBe(true);
    expectAllAligned(calls);
  });

  it('stops with the byte where the device ran out', async () => {
    const io = new AlignedIo(handle, SECTOR);
    const error = await io.readAt(FILE_BYTES - SECTOR, 3 * SECTOR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShortTransferError);
    expect((error as ShortTransferError).positionBytes).toBe(FILE_BYTES);
  });

  it('refuses a sector size that is not a power of two', () => {
    expect(() => new AlignedIo(handle, 3000)).toThrow('not a power of two');
  });
});
