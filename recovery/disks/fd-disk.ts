import type { FileHandle } from 'node:fs/promises';
import { LifeboatError } from '../core/errors.js';
import { AlignedIo, ShortTransferError, TransferError } from './aligned-io.js';
import { checkRange } from './alignment.js';
import type { Disk } from './disk.js';
import { diskIoError } from './io-errors.js';

export interface FdDiskShape {
  path: string;
  kind: Disk['kind'];
  sizeBytes: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
  writable: boolean;
  /** How to discard a range, when the device can. */
  discardRange?: (offsetBytes: number, lengthBytes: number) => Promise<void>;
  /**
   * Route every read and write through whole sectors of sector-aligned memory (aligned-io.ts):
   * Windows disk devices need it, Linux devices and image files do not.
   */
  alignedIo?: boolean;
  /** Runs after the handle is closed (Windows: give back the volumes locked for writing). */
  afterClose?: () => Promise<void>;
}

/** Positional I/O over an open file handle, shared by block devices and image files. */
export class FdDisk implements Disk {
  readonly path: string;
  readonly kind: Disk['kind'];
  readonly sizeBytes: number;
  readonly logicalSectorSize: number;
  readonly physicalSectorSize: number;
  readonly writable: boolean;
  readonly canDiscard: boolean;
  private handle: FileHandle | null;
  private readonly discardRange: FdDiskShape['discardRange'];
  private readonly aligned: AlignedIo | null;
  private readonly afterClose: FdDiskShape['afterClose'];

  constructor(handle: FileHandle, shape: FdDiskShape) {
    this.handle = handle;
    this.path = shape.path;
    this.kind = shape.kind;
    this.sizeBytes = shape.sizeBytes;
    this.logicalSectorSize = shape.logicalSectorSize;
    this.physicalSectorSize = shape.physicalSectorSize;
    this.writable = shape.writable;
    this.discardRange = shape.discardRange;
    this.canDiscard = shape.writable && shape.discardRange !== undefined;
    this.aligned = shape.alignedIo ? new AlignedIo(handle, shape.logicalSectorSize) : null;
    this.afterClose = shape.afterClose;
  }

  async readAt(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    checkRange(this, offsetBytes, lengthBytes);
    const handle = this.open();
    if (this.aligned) return this.alignedIo('read', offsetBytes, () => this.aligned!.readAt(offsetBytes, lengthBytes));
    const buffer = Buffer.allocUnsafe(lengthBytes);
    let done = 0;
    while (done < lengthBytes) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, done, lengthBytes - done, offsetBytes + done));
      } catch (cause) {
        throw diskIoError(cause, this.path, 'read', offsetBytes + done, this.logicalSectorSize);
      }
      if (bytesRead === 0) {
        throw new LifeboatError('IO_ERROR', `${this.path} ended early at byte ${offsetBytes + done}: it is shorter than it said (${this.sizeBytes} bytes).`, {
          details: { device: this.path, offsetBytes: offsetBytes + done },
        });
      }
      done += bytesRead;
    }
    return buffer;
  }

  async writeAt(offsetBytes: number, data: Uint8Array): Promise<void> {
    if (!this.writable) throw new LifeboatError('READ_ONLY', `${this.path} was opened read-only; it cannot be written.`, { details: { device: this.path } });
    checkRange(this, offsetBytes, data.byteLength);
    const handle = this.open();
    if (this.aligned) return this.alignedIo('write', offsetBytes, () => this.aligned!.writeAt(offsetBytes, data));
    let done = 0;
    while (done < data.byteLength) {
      try {
        const { bytesWritten } = await handle.write(data, done, data.byteLength - done, offsetBytes + done);
        done += bytesWritten;
      } catch (cause) {
        throw diskIoError(cause, this.path, 'write', offsetBytes + done, this.logicalSectorSize);
      }
    }
  }

  async flush(): Promise<void> {
    try {
      await this.open().sync();
    } catch (cause) {
      throw diskIoError(cause, this.path, 'flush');
    }
  }

  async discard(offsetBytes: number, lengthBytes: number): Promise<void> {
    if (!this.canDiscard || !this.discardRange) {
      throw new LifeboatError('UNSUPPORTED', `${this.path} cannot discard ranges.`, { details: { device: this.path } });
    }
    checkRange(this, offsetBytes, lengthBytes);
    await this.discardRange(offsetBytes, lengthBytes);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return;
    try {
      await handle.close();
    } finally {
      await this.afterClose?.();
    }
  }

  /** Runs one aligned transfer, giving its failures the same words as the direct path's. */
  private async alignedIo<T>(action: 'read' | 'write', offsetBytes: number, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof ShortTransferError) {
        throw new LifeboatError('IO_ERROR', `${this.path} ended early at byte ${cause.positionBytes}: it is shorter than it said (${this.sizeBytes} bytes).`, {
          details: { device: this.path, offsetBytes: cause.positionBytes },
        });
      }
      if (cause instanceof TransferError) throw diskIoError(cause.cause, this.path, action, cause.positionBytes, this.logicalSectorSize);
      throw diskIoError(cause, this.path, action, offsetBytes, this.logicalSectorSize);
    }
  }

  private open(): FileHandle {
    if (!this.handle) throw new LifeboatError('DISK_CLOSED', `${this.path} was already closed.`, { details: { device: this.path } });
    return this.handle;
  }
}
