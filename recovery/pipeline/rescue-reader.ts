/**
 * Reads that pin down unreadable sectors. Ordinary reads of a block device go through the page
 * cache, which fetches whole pages (4 KiB): one bad 512-byte sector fails its seven neighbours
 * too. These reads use O_DIRECT, so the device is asked for exactly the sectors we want and a
 * failure belongs to them alone. O_DIRECT needs memory aligned to the sector size; Node cannot
 * align a Buffer, but a WebAssembly memory always starts on a page boundary, so reads land there
 * and are copied out.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isLifeboatError, LifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import { diskIoError } from '../disks/io-errors.js';

/** The most one exact read asks for; larger requests are read piece by piece. */
export const EXACT_READ_BYTES = 1024 * 1024;
const WASM_PAGE_BYTES = 64 * 1024;
/** The one WebAssembly feature used here; the project's type libraries (ES2023, node) do not declare it. */
const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;

/** errno codes a disk gives for data it cannot deliver (as opposed to a disk that is gone). */
const MEDIA_ERRORS = new Map<string, string>([
  ['EIO', 'input/output error'],
  ['ENODATA', 'no data available'],
  ['EBADMSG', 'the data failed its check'],
  ['EILSEQ', 'the data failed its check'],
  ['ETIMEDOUT', 'the read timed out'],
  ['ETIME', 'the read timed out'],
  ['EREMOTEIO', 'the device reported a media error'],
]);

function errnoCode(error: unknown): string | undefined {
  if (!isLifeboatError(error) || error.code !== 'IO_ERROR') return undefined;
  return (error.cause as NodeJS.ErrnoException | undefined)?.code;
}

/** True for a read error that means "these sectors cannot be read", worth skipping and retrying. */
export function isMediaError(error: unknown): boolean {
  const code = errnoCode(error);
  return code !== undefined && MEDIA_ERRORS.has(code);
}

/** The error's cause in words ("input/output error"). */
export function mediaErrorText(error: unknown): string {
  const code = errnoCode(error);
  return (code && MEDIA_ERRORS.get(code)) ?? (error instanceof Error ? error.message : String(error));
}

export class ExactReader {
  private readonly memory: Uint8Array;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly disk: Disk,
    private handle: FileHandle | null,
  ) {
    this.memory = new Uint8Array(new wasm.Memory({ initial: EXACT_READ_BYTES / WASM_PAGE_BYTES }).buffer);
  }

  /**
   * Opens `disk` a second time with O_DIRECT. Where that is refused (a filesystem without direct
   * I/O, a platform without O_DIRECT), reads go through the disk itself: image files do not share
   * the block device's page-sized failures, so precision is not lost there.
   */
  static async open(disk: Disk): Promise<ExactReader> {
    let handle: FileHandle | null = null;
    if (constants.O_DIRECT !== undefined) handle = await open(disk.path, constants.O_RDONLY | constants.O_DIRECT).catch(() => null);
    return new ExactReader(disk, handle);
  }

  /** True when reads bypass the page cache. */
  get direct(): boolean {
    return this.handle !== null;
  }

  /** Reads whole sectors; reads run one at a time because they share the aligned memory. */
  readAt(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const result = this.queue.then(() => this.readNow(offsetBytes, lengthBytes));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  private async readNow(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    if (this.handle === null) return this.disk.readAt(offsetBytes, lengthBytes);
    const out = Buffer.allocUnsafe(lengthBytes);
    let done = 0;
    while (done < lengthBytes) {
      const piece = Math.min(EXACT_READ_BYTES, lengthBytes - done);
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(this.memory, 0, piece, offsetBytes + done));
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'EINVAL') {
          // The device wants a stricter alignment than a page: read through the disk from now on.
          await this.close();
          out.set(await this.disk.readAt(offsetBytes + done, lengthBytes - done), done);
          return out;
        }
        throw diskIoError(cause, this.disk.path, 'read', offsetBytes + done, this.disk.logicalSectorSize);
      }
      if (bytesRead <= 0)
        throw new LifeboatError('IO_ERROR', `${this.disk.path} ended early at byte ${offsetBytes + done}.`, {
          details: { device: this.disk.path, offsetBytes: offsetBytes + done },
        });
      out.set(this.memory.subarray(0, bytesRead), done);
      done += bytesRead;
    }
    return out;
  }
}

/**
 * Reads bytes [startBytes, endBytes) of the disk exactly into `target` at `targetOffset`. Returns
 * null when every sector was read, or the first sector that cannot be, found by halving the
 * failing piece (about 12 reads for 1 MiB), with the error it gave.
 */
export async function readExactlyInto(
  exact: ExactReader,
  target: Uint8Array,
  targetOffset: number,
  startBytes: number,
  endBytes: number,
  sectorBytes: number,
): Promise<{ offsetBytes: number; error: unknown } | null> {
  let cursor = startBytes;
  const attempt = async (from: number, to: number): Promise<unknown> => {
    try {
      target.set(await exact.readAt(from, to - from), targetOffset + from - startBytes);
      return null;
    } catch (error) {
      if (!isMediaError(error)) throw error;
      return error;
    }
  };
  while (cursor < endBytes) {
    const pieceEnd = Math.min(endBytes, cursor + EXACT_READ_BYTES);
    if ((await attempt(cursor, pieceEnd)) === null) {
      cursor = pieceEnd;
      continue;
    }
    // [low, high) holds an unreadable sector and [cursor, low) has been read.
    let low = cursor;
    let high = pieceEnd;
    while (high - low > sectorBytes) {
      const middle = low + Math.floor((high - low) / sectorBytes / 2) * sectorBytes;
      if ((await attempt(low, middle)) === null) low = middle;
      else high = middle;
    }
    const error = await attempt(low, low + sectorBytes);
    // A sector that reads on the second try was a passing fault: carry on after it.
    if (error !== null) return { offsetBytes: low, error };
    cursor = low + sectorBytes;
  }
  return null;
}
