/**
 * Positional I/O in whole sectors, from sector-aligned memory: what Windows asks of a raw disk
 * handle (`\\.\PhysicalDriveN` and partition devices are always opened uncached, and uncached
 * reads and writes must start at a sector, cover whole sectors and use a buffer whose address is a
 * multiple of the sector size). Node allocates buffers anywhere, and a short transfer can leave a
 * request mid-sector, so every request goes through a bounce buffer carved from one
 * WebAssembly.Memory: its backing store comes straight from the system's page allocator, so it
 * starts on a page boundary, and slices at multiples of 64 KiB are aligned for any sector size.
 *
 * Requests at any offset and length are accepted: a partial first or last sector is read, patched
 * and written back (read-modify-write), one such write at a time so two callers patching different
 * bytes of one sector cannot undo each other.
 */

/** The part of a FileHandle this layer uses (a FileHandle is one), so tests can watch the calls. */
export interface PositionalIo {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
}

/** Thrown when the device returns no bytes where it should have some (its end, or a lie about its size). */
export class ShortTransferError extends Error {
  constructor(readonly positionBytes: number) {
    super(`the device ended at byte ${positionBytes}`);
  }
}

/** A system call failed: its error as `cause`, and the sector-aligned byte it was for. */
export class TransferError extends Error {
  constructor(
    readonly positionBytes: number,
    cause: unknown,
  ) {
    super(`I/O failed at byte ${positionBytes}`, { cause });
  }
}

/** Bytes per bounce buffer: large enough for a default chunk, small enough to keep the arena small. */
export const BOUNCE_BYTES = 1024 * 1024;
const SLOTS = 8;
const WASM_PAGE_BYTES = 64 * 1024;

/** The one part of WebAssembly used here (the project's type libraries leave WebAssembly out). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmMemoryConstructor = new (descriptor: { initial: number; maximum: number }) => WasmMemory;

/** The shared arena of bounce buffers, made on first use; callers wait when all are in use. */
class BounceBuffers {
  private memory: WasmMemory | null = null;
  private readonly free: number[] = [];
  private readonly waiting: Array<(slot: number) => void> = [];

  async take(): Promise<Buffer> {
    if (!this.memory) {
      const Memory = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } }).WebAssembly.Memory;
      const pages = (SLOTS * BOUNCE_BYTES) / WASM_PAGE_BYTES;
      // A fixed size: growing would detach the buffer under transfers in flight.
      this.memory = new Memory({ initial: pages, maximum: pages });
      for (let slot = 0; slot < SLOTS; slot++) this.free.push(slot);
    }
    const slot = this.free.pop() ?? (await new Promise<number>((resolve) => this.waiting.push(resolve)));
    return Buffer.from(this.memory.buffer, slot * BOUNCE_BYTES, BOUNCE_BYTES);
  }

  give(buffer: Buffer): void {
    const slot = buffer.byteOffset / BOUNCE_BYTES;
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  /** Whether `buffer` lies in the arena (tests check that the system only ever sees its memory). */
  owns(buffer: Uint8Array): boolean {
    return this.memory !== null && buffer.buffer === this.memory.buffer;
  }
}

const bounce = new BounceBuffers();

/**
 * True when `buffer` is memory of the aligned arena; its address is then aligned to any unit that
 * divides its byteOffset (the arena itself starts on a page boundary).
 */
export function isBounceBuffer(buffer: Uint8Array): boolean {
  return bounce.owns(buffer);
}

export class AlignedIo {
  private patching: Promise<void> = Promise.resolve();

  /** `unit`: the sector size every system call is aligned to (a power of two, at most 64 KiB). */
  constructor(
    private readonly io: PositionalIo,
    readonly unit: number,
  ) {
    if (!Number.isInteger(unit) || unit < 1 || unit > WASM_PAGE_BYTES || (unit & (unit - 1)) !== 0) {
      throw new RangeError(`sector size ${unit} is not a power of two up to ${WASM_PAGE_BYTES}`);
    }
  }

  /** Reads `lengthBytes` at `positionBytes`, both any value. */
  async readAt(positionBytes: number, lengthBytes: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(lengthBytes);
    if (lengthBytes === 0) return out;
    const first = this.down(positionBytes);
    const end = this.up(positionBytes + lengthBytes);
    for (let at = first; at < end; at += BOUNCE_BYTES) {
      const size = Math.min(BOUNCE_BYTES, end - at);
      const buffer = await bounce.take();
      try {
        await this.transfer('read', buffer, at, size);
        // The part of this piece the caller asked for.
        const from = Math.max(at, positionBytes);
        const to = Math.min(at + size, positionBytes + lengthBytes);
        buffer.copy(out, from - positionBytes, from - at, to - at);
      } finally {
        bounce.give(buffer);
      }
    }
    return out;
  }

  /** Writes all of `data` at `positionBytes`; partial sectors at either end are read, patched and written. */
  async writeAt(positionBytes: number, data: Uint8Array): Promise<void> {
    const end = positionBytes + data.byteLength;
    if (data.byteLength === 0) return;
    const partial = positionBytes % this.unit !== 0 || end % this.unit !== 0;
    if (!partial) return this.writeWhole(positionBytes, data);
    // One read-modify-write at a time: two of them on one sector would each put back the other's old bytes.
    const previous = this.patching;
    let done!: () => void;
    this.patching = new Promise((resolve) => (done = resolve));
    await previous;
    try {
      await this.writeWhole(positionBytes, data);
    } finally {
      done();
    }
  }

  /** Writes in pieces of whole sectors; each piece's partial end sectors are read first. */
  private async writeWhole(positionBytes: number, data: Uint8Array): Promise<void> {
    const end = positionBytes + data.byteLength;
    const first = this.down(positionBytes);
    const last = this.up(end);
    for (let at = first; at < last; at += BOUNCE_BYTES) {
      const size = Math.min(BOUNCE_BYTES, last - at);
      const buffer = await bounce.take();
      try {
        // Only the first sector of the first piece and the last of the last can be partial.
        const head = at < positionBytes;
        const tail = at + size - this.unit;
        if (head) await this.transfer('read', buffer, at, this.unit);
        if (at + size > end && !(head && tail === at)) await this.transfer('read', buffer.subarray(tail - at), tail, this.unit);
        const from = Math.max(at, positionBytes);
        const to = Math.min(at + size, end);
        buffer.set(data.subarray(from - positionBytes, to - positionBytes), from - at);
        await this.transfer('write', buffer, at, size);
      } finally {
        bounce.give(buffer);
      }
    }
  }

  /**
   * Moves `size` bytes (whole sectors) between `buffer` and the device at `position` (a sector).
   * A short transfer resumes from the start of the sector it stopped in, so no call is ever
   * unaligned; the bounce buffer still holds those bytes, for reads and writes alike.
   */
  private async transfer(kind: 'read' | 'write', buffer: Buffer, position: number, size: number): Promise<void> {
    let done = 0;
    let stalled = 0;
    while (done < size) {
      let count: number;
      try {
        count =
          kind === 'read'
            ? (await this.io.read(buffer, done, size - done, position + done)).bytesRead
            : (await this.io.write(buffer, done, size - done, position + done)).bytesWritten;
      } catch (cause) {
        throw new TransferError(position + done, cause);
      }
      const next = this.down(done + count);
      // Nothing, or twice less than a sector: the device has nothing more to give here.
      stalled = next === done ? stalled + 1 : 0;
      if (count === 0 || stalled === 2) throw new ShortTransferError(position + done);
      done = next;
    }
  }

  private down(value: number): number {
    return value - (value % this.unit);
  }

  private up(value: number): number {
    return this.down(value + this.unit - 1);
  }
}
