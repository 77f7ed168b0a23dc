/**
 * A Disk is anything with a size, sector sizes and positional I/O: a block device (/dev/sdX,
 * /dev/nvme0n1, a loop device; later \\.\PhysicalDriveN) or a raw image file. Everything above
 * this layer works on Disks, so every feature can be tested on files and loop devices.
 */
export interface Disk {
  /** What was opened, as the user named it. */
  readonly path: string;
  readonly kind: 'block-device' | 'image-file';
  readonly sizeBytes: number;
  readonly logicalSectorSize: number;
  readonly physicalSectorSize: number;
  readonly writable: boolean;
  /** True when discard() can release ranges (TRIM on SSDs, hole punching on loop devices). */
  readonly canDiscard: boolean;

  /** Reads exactly `lengthBytes` at `offsetBytes`; both must be multiples of the logical sector size. */
  readAt(offsetBytes: number, lengthBytes: number): Promise<Buffer>;
  /** Writes all of `data` at `offsetBytes`; offset and length must be multiples of the logical sector size. */
  writeAt(offsetBytes: number, data: Uint8Array): Promise<void>;
  /** Makes every completed write durable (the drive's cache included). */
  flush(): Promise<void>;
  /** Tells the device the range holds nothing worth keeping. Only when canDiscard. */
  discard(offsetBytes: number, lengthBytes: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDiskOptions {
  /** Open for writing. Block devices are then opened exclusively: a disk in use cannot be written. */
  writable?: boolean;
  /** Sector size to assume for an image file (block devices report their own). Default 512. */
  logicalSectorSize?: number;
}
