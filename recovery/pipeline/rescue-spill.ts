/**
 * Where a --rescue capture parks chunks that hold unreadable areas until the retry passes are
 * done: one file under the repository's tmp/ (garbage after a crash, by the format's rules), one
 * chunk-sized slot per chunk. Memory stays bounded however many chunks are waiting, and the
 * readable parts of a chunk are never read from the failing disk a second time.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';

export class RescueSpill {
  private handle: FileHandle | null = null;
  private slots = 0;
  readonly file: string;

  constructor(
    repoDir: string,
    private readonly slotBytes: number,
  ) {
    this.file = path.join(repoDir, 'tmp', `rescue-${randomBytes(6).toString('hex')}.chunks`);
  }

  /** Parks a chunk's bytes; returns its slot. */
  async park(data: Uint8Array): Promise<number> {
    const slot = this.slots++;
    await this.write(slot, 0, data);
    return slot;
  }

  /** Writes bytes into a parked chunk, `offsetBytes` from its start. */
  async write(slot: number, offsetBytes: number, data: Uint8Array): Promise<void> {
    const handle = await this.open();
    let done = 0;
    while (done < data.byteLength) {
      const { bytesWritten } = await handle.write(data, done, data.byteLength - done, slot * this.slotBytes + offsetBytes + done);
      if (bytesWritten === 0) throw new LifeboatError('IO_ERROR', `Writing ${this.file} made no progress; is the repository's disk full?`);
      done += bytesWritten;
    }
  }

  /** A parked chunk's bytes, in a buffer of their own (ready to be transferred to a worker). */
  async read(slot: number, lengthBytes: number): Promise<Uint8Array> {
    const handle = await this.open();
    const data = new Uint8Array(lengthBytes);
    let done = 0;
    while (done < lengthBytes) {
      const { bytesRead } = await handle.read(data, done, lengthBytes - done, slot * this.slotBytes + done);
      if (bytesRead === 0) throw new LifeboatError('INTERNAL', `${this.file} is shorter than the chunks parked in it.`);
      done += bytesRead;
    }
    return data;
  }

  /** Closes and deletes the file. */
  async dispose(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
    await rm(this.file, { force: true });
  }

  private async open(): Promise<FileHandle> {
    if (this.handle === null) {
      await mkdir(path.dirname(this.file), { recursive: true });
      this.handle = await open(this.file, 'w+');
    }
    return this.handle;
  }
}
