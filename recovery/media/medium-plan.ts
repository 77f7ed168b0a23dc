/**
 * What `lifeboat media write` will put on a target, decided before anything is written: the
 * image's own partition table (read with our parser, so a hostile image is refused, not written),
 * the size the target needs, and LBA 0 as it will be written last, with the data partition's entry
 * added when one is wanted.
 */
import type { ByteSource } from '../core/byte-source.js';
import { LifeboatError } from '../core/errors.js';
import { formatBytes } from '../core/format-bytes.js';
import { addPrimaryEntry } from '../partitions/add-primary-entry.js';
import type { Partition, PartitionTable } from '../partitions/partition-table.js';
import { readPartitionTable } from '../partitions/read-partition-table.js';

/** The hybrid image's MBR counts 512-byte sectors (xorriso writes it so). */
export const IMAGE_SECTOR_BYTES = 512;
export const DATA_ALIGN_BYTES = 1024 * 1024;
/** The smallest data partition worth making; below this a target is too small for one. */
export const MIN_DATA_PARTITION_BYTES = 64 * 1024 * 1024;
/** exFAT: readable and writable by Windows, macOS and Linux, no 4 GiB file limit. */
export const DATA_PARTITION_TYPE = 0x07;
/**
 * The data partition's volume label. exFAT labels hold at most 11 characters, so "LIFEBOAT-DATA"
 * cannot be used (mkfs.exfat refuses it).
 */
export const DATA_LABEL = 'LIFEBOAT';

export interface MediumImage {
  path: string;
  sizeBytes: number;
  source: ByteSource;
}

export interface MediumTarget {
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
}

export interface DataPartitionPlan {
  /** Its MBR slot and Linux partition number. */
  number: number;
  startBytes: number;
  sizeBytes: number;
  typeByte: number;
  filesystem: 'exfat';
  label: string;
  /** The target is larger than an MBR can address; the partition ends at 2^32 sectors. */
  capped: boolean;
}

export interface MediumPlan {
  image: { path: string; sizeBytes: number };
  /** The image's partitions, as our parser reads them. */
  imageTable: PartitionTable;
  /** LBA 0 as it will be written, last of all: the image's own, or with the data partition's entry. */
  firstSector: Uint8Array;
  dataPartition: DataPartitionPlan | null;
  /** The smallest target that holds the image (and a data partition of MIN_DATA_PARTITION_BYTES). */
  requiredBytes: number;
  warnings: string[];
}

function partitionEnd(partitions: readonly Partition[]): number {
  return Math.max(0, ...partitions.map((p) => p.startBytes + p.sizeBytes));
}

function alignUp(bytes: number, alignBytes: number): number {
  return Math.ceil(bytes / alignBytes) * alignBytes;
}

function tooSmall(target: MediumTarget, requiredBytes: number, what: string): LifeboatError {
  const short = requiredBytes - target.sizeBytes;
  return new LifeboatError(
    'OUT_OF_RANGE',
    `The target ${target.path} is ${formatBytes(short)} (${short} bytes) too small: it has ${target.sizeBytes} bytes and ${what} needs ${requiredBytes}. Nothing was written; choose a bigger disk${what.includes('data partition') ? ', or write without a data partition (--no-data-partition)' : ''}.`,
    { details: { device: target.path } },
  );
}

export async function planMedium(image: MediumImage, target: MediumTarget, options: { dataPartition: boolean }): Promise<MediumPlan> {
  if (image.sizeBytes < 2 * IMAGE_SECTOR_BYTES || image.sizeBytes % IMAGE_SECTOR_BYTES !== 0) {
    throw new LifeboatError(
      'MEDIA_IMAGE_INVALID',
      `${image.path} is ${image.sizeBytes} bytes, which is not a disk image (a live image is a whole number of ${IMAGE_SECTOR_BYTES}-byte sectors). Check that the file is complete, or build it again.`,
      {
        details: { device: image.path },
      },
    );
  }
  if (target.logicalSectorSize !== IMAGE_SECTOR_BYTES) {
    throw new LifeboatError(
      'UNSUPPORTED',
      `${target.path} has ${target.logicalSectorSize}-byte sectors, but the live image's partition table counts ${IMAGE_SECTOR_BYTES}-byte sectors: written there, it would point to the wrong places. Use a USB stick or disk with ${IMAGE_SECTOR_BYTES}-byte sectors.`,
      {
        details: { device: target.path },
      },
    );
  }
  const imageTable = await readPartitionTable(image.source, IMAGE_SECTOR_BYTES);
  const warnings = [...imageTable.warnings];
  // A partition of the image may claim bytes past the file's end (padding xorriso did not write): the target must hold them too.
  const occupiedBytes = Math.max(image.sizeBytes, partitionEnd(imageTable.partitions));
  const firstSector = await image.source.readAt(0, IMAGE_SECTOR_BYTES);
  if (!options.dataPartition) {
    if (target.sizeBytes < occupiedBytes) throw tooSmall(target, occupiedBytes, 'the image');
    return {
      image: { path: image.path, sizeBytes: image.sizeBytes },
      imageTable,
      firstSector: new Uint8Array(firstSector),
      dataPartition: null,
      requiredBytes: occupiedBytes,
      warnings,
    };
  }

  const requiredBytes = alignUp(occupiedBytes, DATA_ALIGN_BYTES) + MIN_DATA_PARTITION_BYTES;
  const lba1 = await image.source.readAt(IMAGE_SECTOR_BYTES, IMAGE_SECTOR_BYTES);
  const request = { typeByte: DATA_PARTITION_TYPE, afterBytes: occupiedBytes, alignBytes: DATA_ALIGN_BYTES, sectorSizeBytes: IMAGE_SECTOR_BYTES };
  // Whether the image can take another entry at all does not depend on the target: say that first,
  // so a bigger disk is not bought for an image that cannot have a data partition.
  addPrimaryEntry(firstSector, lba1, { ...request, diskSizeBytes: Math.max(target.sizeBytes, requiredBytes) });
  if (target.sizeBytes < requiredBytes) throw tooSmall(target, requiredBytes, `the image with a ${formatBytes(MIN_DATA_PARTITION_BYTES)} data partition`);
  const added = addPrimaryEntry(firstSector, lba1, { ...request, diskSizeBytes: target.sizeBytes });
  if (added.capped) {
    warnings.push(
      `${target.path} is larger than the 2 TiB an MBR partition table can address: the data partition ends at 2 TiB and the rest of the disk stays unused.`,
    );
  }
  return {
    image: { path: image.path, sizeBytes: image.sizeBytes },
    imageTable,
    firstSector: added.sector,
    dataPartition: {
      number: added.number,
      startBytes: added.startLba * IMAGE_SECTOR_BYTES,
      sizeBytes: added.sectors * IMAGE_SECTOR_BYTES,
      typeByte: DATA_PARTITION_TYPE,
      filesystem: 'exfat',
      label: DATA_LABEL,
      capped: added.capped,
    },
    requiredBytes,
    warnings,
  };
}
