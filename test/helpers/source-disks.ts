/**
 * Real source disks for the capture/restore round trips: image files with partition tables
 * written by sgdisk/sfdisk, filesystems made by mkfs and filled by populate-fs.ts, attached to a
 * loop device with their partition devices. Every disk comes back unmounted and flushed, so the
 * image file and the loop device hold the same bytes and nothing writes to either.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { sfdiskPartitions, type Scratch } from './loop-device.js';
import { populate, type ContentFs } from './populate-fs.js';

export { populate, STALE_MARKER, LONG_NAME, type ContentFs } from './populate-fs.js';

export type SourceFs = ContentFs | 'none';

export interface SourcePartition {
  number: number;
  /** 'none': no filesystem (the BIOS boot partition, an extended partition). */
  fs: SourceFs;
  device: string;
}

export interface SourceDisk {
  file: string;
  /** The loop device the file is attached to, with its partition devices (`${device}p${n}`). */
  device: string;
  partitions: SourcePartition[];
}

/** Bytes outside every filesystem that a bootloader would own, written with random content. */
export interface HiddenRegion {
  name: 'mbr-boot-code' | 'post-mbr-gap' | 'post-gpt-gap' | 'bios-boot-partition';
  offsetBytes: number;
  sizeBytes: number;
  sha256: string;
}

export interface BootGapDisk extends SourceDisk {
  hiddenRegions: HiddenRegion[];
}

const MiB = 1024 * 1024;
const SECTOR_BYTES = 512;
/** GRUB's BIOS boot partition type (sgdisk's EF02). */
export const BIOS_BOOT_TYPE = '21686148-6449-6E6F-744E-656564454649';
/** The MBR's boot code ends where the disk signature starts. */
const MBR_BOOT_CODE_BYTES = 440;

interface Planned {
  number: number;
  fs: SourceFs;
  label?: string;
  fatBits?: 16 | 32;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of `sizeBytes` at `offsetBytes` of a file or device: to compare hidden regions after a restore. */
export async function sha256OfRange(file: string, offsetBytes: number, sizeBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let readBytes = 0;
  if (sizeBytes > 0) {
    for await (const chunk of createReadStream(file, { start: offsetBytes, end: offsetBytes + sizeBytes - 1, highWaterMark: MiB })) {
      hash.update(chunk as Buffer);
      readBytes += (chunk as Buffer).length;
    }
  }
  if (readBytes !== sizeBytes) throw new Error(`${file} ends inside [${offsetBytes}, +${sizeBytes})`);
  return hash.digest('hex');
}

/** Writes random bytes into regions of the image file and returns what was written where. */
async function fillHiddenRegions(file: string, regions: Array<Omit<HiddenRegion, 'sha256'>>): Promise<HiddenRegion[]> {
  const handle = await open(file, 'r+');
  try {
    const written: HiddenRegion[] = [];
    for (const region of regions) {
      const bytes = randomBytes(region.sizeBytes);
      await handle.write(bytes, 0, bytes.length, region.offsetBytes);
      written.push({ ...region, sha256: sha256(bytes) });
    }
    await handle.sync();
    return written;
  } finally {
    await handle.close();
  }
}

async function makeFilesystem(plan: Planned, device: string, startSector: number): Promise<void> {
  const label = plan.label ?? 'lifeboat';
  if (plan.fs === 'ext4') {
    // -T default: 4 KiB blocks and 256-byte inodes as on a real disk (below 512 MiB mke2fs picks
    // 1 KiB blocks). Inode tables are initialised now: lazy init would write in the background.
    await execa('mkfs.ext4', ['-q', '-F', '-T', 'default', '-L', label, '-E', 'lazy_itable_init=0,lazy_journal_init=0', device]);
  } else if (plan.fs === 'vfat') {
    await execa('mkfs.fat', ['-F', String(plan.fatBits ?? 32), '-n', label, device]);
  } else if (plan.fs === 'ntfs') {
    // mkntfs cannot learn the partition's place from a loop partition; Windows wants it in the boot sector.
    await execa('mkntfs', ['-Q', '-F', '-L', label, '-p', String(startSector), '-H', '255', '-S', '63', device]);
  }
}

/** Flushes every partition device and the whole device, so the image file holds every write. */
async function quiesce(disk: SourceDisk): Promise<void> {
  for (const partition of disk.partitions) await execa('blockdev', ['--flushbufs', partition.device]);
  await execa('blockdev', ['--flushbufs', disk.device]);
}

/**
 * The common steps: sparse file, table (by `writeTable` on the file), optional hidden bytes,
 * attach with partitions, mkfs and populate each planned filesystem, flush.
 */
async function buildDisk(
  scratch: Scratch,
  name: string,
  sizeBytes: number,
  writeTable: (file: string) => Promise<void>,
  plans: Planned[],
  hidden: Array<Omit<HiddenRegion, 'sha256'>> = [],
): Promise<BootGapDisk> {
  const file = await scratch.sparseFile(name, sizeBytes);
  await writeTable(file);
  const hiddenRegions = await fillHiddenRegions(file, hidden);
  const device = await scratch.attachPartitioned(file);
  const extents = await sfdiskPartitions(device);
  const disk: BootGapDisk = { file, device, partitions: [], hiddenRegions };
  for (const plan of plans) {
    const extent = extents.find((e) => e.number === plan.number);
    if (!extent) throw new Error(`${name}: the table has no partition ${plan.number}`);
    const partition = { number: plan.number, fs: plan.fs, device: `${device}p${plan.number}` };
    await makeFilesystem(plan, partition.device, extent.startBytes / SECTOR_BYTES);
    if (plan.fs !== 'none') await populate(plan.fs, partition.device);
    disk.partitions.push(partition);
  }
  await quiesce(disk);
  return disk;
}

async function sfdiskScript(file: string, script: string): Promise<void> {
  await execa('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', file], { input: script });
}

/**
 * GPT: a 40 MiB FAT32 ESP, a 96 MiB NTFS data partition, ext4 on the rest. The ESP is not
 * 32 MiB because there FAT32 has fewer than 65525 clusters, which mtools (like the FAT
 * specification) reads as FAT16: it fails with "Error reading FAT" and could not fill it.
 */
export async function buildGptDisk(scratch: Scratch, name: string, sizeBytes = 256 * MiB): Promise<SourceDisk> {
  const { hiddenRegions: _none, ...disk } = await buildDisk(
    scratch,
    name,
    sizeBytes,
    (file) =>
      execa('sgdisk', [
        '-n',
        '1:2048:+40M',
        '-t',
        '1:EF00',
        '-c',
        '1:EFI system partition',
        '-n',
        '2:0:+96M',
        '-t',
        '2:0700',
        '-c',
        '2:Basic data',
        '-n',
        '3:0:0',
        '-t',
        '3:8300',
        '-c',
        '3:Linux root',
        file,
      ]).then(() => undefined),
    [
      { number: 1, fs: 'vfat', fatBits: 32, label: 'ESP' },
      { number: 2, fs: 'ntfs', label: 'WinData' },
      { number: 3, fs: 'ext4', label: 'lifeboat-root' },
    ],
  );
  return disk;
}

/** MBR: primary ext4 (1), extended (2) holding logical FAT16 (5) and logical NTFS (6). */
export async function buildMbrDisk(scratch: Scratch, name: string, sizeBytes = 256 * MiB): Promise<SourceDisk> {
  const { hiddenRegions: _none, ...disk } = await buildDisk(
    scratch,
    name,
    sizeBytes,
    (file) => sfdiskScript(file, ['label: dos', 'start=2048, size=100MiB, type=83', 'type=5', 'size=48MiB, type=e', 'type=7', ''].join('\n')),
    [
      { number: 1, fs: 'ext4', label: 'mbr-root' },
      { number: 2, fs: 'none' },
      { number: 5, fs: 'vfat', fatBits: 16, label: 'FAT16LOG' },
      { number: 6, fs: 'ntfs', label: 'LogicalNTFS' },
    ],
  );
  return disk;
}

/**
 * GPT the way GRUB leaves a BIOS-booted disk: a 1 MiB BIOS boot partition full of "core.img"
 * (random bytes), ext4 on the rest, boot code in the protective MBR and random bytes in the
 * gap between the GPT entries (which end at LBA 33) and the first partition (LBA 2048).
 */
export async function buildGrubLikeDisk(scratch: Scratch, name: string, sizeBytes = 128 * MiB): Promise<BootGapDisk> {
  return buildDisk(
    scratch,
    name,
    sizeBytes,
    (file) =>
      execa('sgdisk', [
        '-n',
        '1:2048:+1M',
        '-t',
        `1:${BIOS_BOOT_TYPE}`,
        '-c',
        '1:BIOS boot partition',
        '-n',
        '2:0:0',
        '-t',
        '2:8300',
        '-c',
        '2:root',
        file,
      ]).then(() => undefined),
    [
      { number: 1, fs: 'none' },
      { number: 2, fs: 'ext4', label: 'grub-root' },
    ],
    [
      { name: 'mbr-boot-code', offsetBytes: 0, sizeBytes: MBR_BOOT_CODE_BYTES },
      { name: 'post-gpt-gap', offsetBytes: 34 * SECTOR_BYTES, sizeBytes: (2048 - 34) * SECTOR_BYTES },
      { name: 'bios-boot-partition', offsetBytes: 2048 * SECTOR_BYTES, sizeBytes: MiB },
    ],
  );
}

/** MBR the way GRUB leaves it: boot code in bytes 0..439 and core.img in sectors 1..2047; ext4 from 1 MiB. */
export async function buildMbrGapDisk(scratch: Scratch, name: string, sizeBytes = 128 * MiB): Promise<BootGapDisk> {
  return buildDisk(
    scratch,
    name,
    sizeBytes,
    (file) => sfdiskScript(file, ['label: dos', 'start=2048, type=83, bootable', ''].join('\n')),
    [{ number: 1, fs: 'ext4', label: 'mbr-gap-root' }],
    [
      { name: 'mbr-boot-code', offsetBytes: 0, sizeBytes: MBR_BOOT_CODE_BYTES },
      { name: 'post-mbr-gap', offsetBytes: SECTOR_BYTES, sizeBytes: 2047 * SECTOR_BYTES },
    ],
  );
}

/**
 * A small GPT disk for end-to-end runs through the terminal UI: a 40 MiB FAT32 ESP and ext4 on
 * the rest (about 86 MiB of a 128 MiB disk), both filled by populate-fs.ts.
 */
export async function buildSmallGptDisk(scratch: Scratch, name: string, sizeBytes = 128 * MiB): Promise<SourceDisk> {
  const { hiddenRegions: _none, ...disk } = await buildDisk(
    scratch,
    name,
    sizeBytes,
    (file) =>
      execa('sgdisk', ['-n', '1:2048:+40M', '-t', '1:EF00', '-c', '1:EFI system partition', '-n', '2:0:0', '-t', '2:8300', '-c', '2:Linux data', file]).then(
        () => undefined,
      ),
    [
      { number: 1, fs: 'vfat', fatBits: 32, label: 'ESP' },
      { number: 2, fs: 'ext4', label: 'tui-data' },
    ],
  );
  return disk;
}
