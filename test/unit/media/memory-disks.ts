/** In-memory stand-ins for the media tests: a hybrid image's bytes and a disk that records what is done to it. */
import type { Disk } from '../../../recovery/disks/disk.js';

const SECTOR = 512;
const MiB = 1024 * 1024;

export type DiskEvent = { kind: 'write'; offsetBytes: number; lengthBytes: number } | { kind: 'flush' } | { kind: 'format' };

/**
 * A "hybrid image" (3 MiB + 4 KiB unless told): partition 1 (0x83) from LBA 64, partition 2 (0xEF)
 * behind it to the end of the file, every byte after sector 0 saying where it is.
 */
export function hybridImage(options: { gpt?: boolean; sizeBytes?: number } = {}): Uint8Array {
  const size = options.sizeBytes ?? 3 * MiB + 4096;
  const bytes = new Uint8Array(size);
  for (let i = SECTOR; i < size; i++) bytes[i] = ((i >>> 9) * 7 + i) & 0xff;
  const view = new DataView(bytes.buffer);
  bytes.set([0x33, 0xed, 0x90], 0);
  const sectors = Math.floor(size / SECTOR);
  const entries = [
    [0x80, 0x83, 64, 4096],
    [0x00, 0xef, 4160, sectors - 4160],
  ];
  for (const [i, [status, type, start, count]] of entries.entries()) {
    const at = 446 + i * 16;
    view.setUint8(at, status as number);
    view.setUint8(at + 4, type as number);
    view.setUint32(at + 8, start as number, true);
    view.setUint32(at + 12, count as number, true);
  }
  bytes[510] = 0x55;
  bytes[511] = 0xaa;
  if (options.gpt) bytes.set(Buffer.from('EFI PART'), SECTOR);
  return bytes;
}

/** A disk in memory that records every write and flush in order (its path does not exist, so reads never bypass it). */
export class MemoryDisk implements Disk {
  readonly kind = 'image-file' as const;
  readonly logicalSectorSize = SECTOR;
  readonly physicalSectorSize = SECTOR;
  readonly writable = true;
  readonly canDiscard = false;
  readonly bytes: Uint8Array;
  readonly sizeBytes: number;

  constructor(
    readonly path: string,
    content: Uint8Array | number,
    readonly events: DiskEvent[] = [],
    /** Changes what lands on the disk (a failing stick), given the offset and the data. */
    private readonly corrupt?: (offsetBytes: number, data: Uint8Array) => Uint8Array,
  ) {
    this.bytes = typeof content === 'number' ? new Uint8Array(content).fill(0xee) : content;
    this.sizeBytes = this.bytes.length;
  }
  readAt(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.bytes.subarray(offsetBytes, offsetBytes + lengthBytes)));
  }
  writeAt(offsetBytes: number, data: Uint8Array): Promise<void> {
    this.events.push({ kind: 'write', offsetBytes, lengthBytes: data.length });
    this.bytes.set(this.corrupt ? this.corrupt(offsetBytes, data) : data, offsetBytes);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    this.events.push({ kind: 'flush' });
    return Promise.resolve();
  }
  discard(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
