/**
 * A small live image built the way build-scripts/build-live.sh builds the real one: xorriso makes
 * an ISO 9660 filesystem with an El Torito boot image, GRUB-style hybrid boot code in sector 0, an
 * MBR whose partition 1 (0x83, bootable) is the ISO from LBA 64 and partition 2 (0xEF) a FAT EFI
 * system partition appended behind it; no GPT. sfdisk checks that layout before a test uses it.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { seededBytes } from '../../helpers/populate-fs.js';

export const MiB = 1024 * 1024;

export interface HybridImage {
  file: string;
  sizeBytes: number;
  /** Path inside the ISO -> SHA-256 of its content. */
  files: Map<string, string>;
  /** SHA-256 of the EFI partition's /EFI/BOOT/BOOTX64.EFI. */
  efiLoaderSha256: string;
  /** The MBR's partitions as sfdisk reads them from the image. */
  partitions: SfdiskPartition[];
}

export interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** sfdisk's view of a disk or image: its label and partitions (null when it finds no table). */
export async function sfdiskTable(device: string): Promise<{ label: string; partitions: SfdiskPartition[] } | null> {
  const result = await execa('sfdisk', ['--json', device], { reject: false });
  if (result.exitCode !== 0 || result.stdout.trim() === '') return null;
  const table = (JSON.parse(result.stdout) as { partitiontable: { label: string; partitions?: SfdiskPartition[] } }).partitiontable;
  return { label: table.label, partitions: table.partitions ?? [] };
}

/** Builds the image in `dir`; `payloadMiB` of incompressible files make it as large as a test needs. */
export async function buildHybridImage(dir: string, name: string, payloadMiB: number): Promise<HybridImage> {
  const root = path.join(dir, `${name}-root`);
  await mkdir(path.join(root, 'boot', 'grub'), { recursive: true });
  await mkdir(path.join(root, 'live'), { recursive: true });
  const files = new Map<string, string>();
  const put = async (relative: string, bytes: Uint8Array) => {
    await writeFile(path.join(root, relative), bytes);
    files.set(relative, sha256(bytes));
  };
  // xorriso patches the El Torito image in place (-boot-info-table, --grub2-boot-info): its hash is taken from the ISO below.
  await writeFile(path.join(root, 'boot/grub/eltorito.img'), seededBytes(7, 8 * 1024));
  await put('boot/grub/grub.cfg', Buffer.from('set timeout=5\nmenuentry "Lifeboat" { linux /live/vmlinuz }\n'));
  await put('live/vmlinuz', seededBytes(8, 700 * 1024 + 17));
  for (let i = 0; i < payloadMiB; i++) await put(`live/part-${i}.bin`, seededBytes(100 + i, MiB));

  const efi = path.join(dir, `${name}-efi.img`);
  await writeFile(efi, '');
  await execa('truncate', ['-s', '2M', efi]);
  await execa('mkfs.fat', ['-n', 'EFI', efi]);
  const loader = seededBytes(9, 40 * 1024 + 3);
  const loaderFile = path.join(dir, `${name}-BOOTX64.EFI`);
  await writeFile(loaderFile, loader);
  await execa('mmd', ['-i', efi, '::/EFI', '::/EFI/BOOT']);
  await execa('mcopy', ['-i', efi, loaderFile, '::/EFI/BOOT/BOOTX64.EFI']);

  // Stand-in for GRUB's boot_hybrid.img: boot code that starts like GRUB's (a jump), the rest ours.
  const bootCode = seededBytes(10, 512);
  bootCode.set([0xeb, 0x63, 0x90], 0);
  const mbrFile = path.join(dir, `${name}-mbr.bin`);
  await writeFile(mbrFile, bootCode);

  const file = path.join(dir, name);
  await execa('xorriso', [
    '-as',
    'mkisofs',
    '-o',
    file,
    '-V',
    'LIFEBOAT_TEST',
    '-R',
    '-J',
    '-b',
    'boot/grub/eltorito.img',
    '-no-emul-boot',
    '-boot-load-size',
    '4',
    '-boot-info-table',
    '--grub2-boot-info',
    '--grub2-mbr',
    mbrFile,
    '-partition_offset',
    '16',
    '-iso_mbr_part_type',
    '0x83',
    '-append_partition',
    '2',
    '0xef',
    efi,
    root,
  ]);
  const patched = path.join(dir, `${name}-eltorito.img`);
  await execa('xorriso', ['-osirrox', 'on', '-indev', `stdio:${file}`, '-extract', '/boot/grub/eltorito.img', patched]);
  files.set('boot/grub/eltorito.img', sha256(await readFile(patched)));
  const table = await sfdiskTable(file);
  expect(table?.label, 'xorriso made an MBR').toBe('dos');
  expect(table?.partitions.map((p) => p.type)).toEqual(['83', 'ef']);
  const handle = await open(file, 'r');
  const lba1 = Buffer.alloc(512);
  await handle.read(lba1, 0, 512, 512);
  await handle.close();
  expect(lba1.subarray(0, 8).toString('latin1'), 'no GPT at LBA 1').not.toBe('EFI PART');
  const sizeBytes = (await readFile(file)).length;
  return { file, sizeBytes, files, efiLoaderSha256: sha256(loader), partitions: table?.partitions ?? [] };
}

/** SHA-256 of the first `lengthBytes` of a device or file, read independently of Lifeboat. */
export async function headSha256(device: string, lengthBytes: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(device, 'r');
  try {
    const buffer = Buffer.alloc(4 * MiB);
    for (let at = 0; at < lengthBytes; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, lengthBytes - at), at);
      if (bytesRead === 0) throw new Error(`${device} ended at byte ${at}`);
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** The first `lengthBytes` of a device or file, as bytes. */
export async function headBytes(device: string, lengthBytes: number): Promise<Buffer> {
  const handle = await open(device, 'r');
  try {
    const buffer = Buffer.alloc(lengthBytes);
    const { bytesRead } = await handle.read(buffer, 0, lengthBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Runs `work` with a loop device over bytes [offset, offset + size) of `file`, detached afterwards. */
export async function withOffsetLoop<T>(file: string, offsetBytes: number, sizeBytes: number, work: (device: string) => Promise<T>): Promise<T> {
  const { stdout } = await execa('losetup', ['--find', '--show', '--offset', String(offsetBytes), '--sizelimit', String(sizeBytes), file]);
  const device = stdout.trim();
  try {
    return await work(device);
  } finally {
    await execa('losetup', ['--detach', device], { reject: false });
  }
}
