/**
 * A small source disk as a plain image file, made without loop devices (so without root) by the
 * Debian tools themselves: sfdisk writes a GPT, mkfs.fat formats the ESP at its offset and mtools
 * fills it, mkfs.ext4 formats and fills the data partition at its offset (-d). And the oracles a
 * restored copy must pass: the same table (sfdisk -d), clean checkers on each partition (e2fsck -fn,
 * fsck.fat -n), and the same files with the same bytes, read back by debugfs and mtools.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { checkFilesystem, sfdiskDump } from '../helpers/fs-checkers.js';
import { seededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;

export interface SourcePart {
  number: number;
  fs: 'vfat' | 'ext4';
  startBytes: number;
  sizeBytes: number;
  /** The directory the partition was filled from. */
  content: string;
}

export interface SourceImage {
  file: string;
  sizeBytes: number;
  parts: SourcePart[];
}

function randomBytes(seed: number, length: number): Buffer {
  const random = seededRandom(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** 80 MiB: GPT, a 34 MiB FAT32 ESP and a 40 MiB ext4 partition with files, about 12 MiB in use. */
export async function buildSourceImage(dir: string): Promise<SourceImage> {
  const esp = path.join(dir, 'content-esp');
  const data = path.join(dir, 'content-data');
  await mkdir(path.join(esp, 'EFI/BOOT'), { recursive: true });
  await mkdir(path.join(data, 'dir/sub'), { recursive: true });
  await writeFile(path.join(esp, 'EFI/BOOT/BOOTX64.EFI'), randomBytes(1, 300_000));
  await writeFile(path.join(esp, 'readme.txt'), 'Lifeboat test ESP\r\n');
  for (let i = 1; i <= 5; i++) await writeFile(path.join(data, `file-${i}`), randomBytes(10 + i, i * 150_000));
  await writeFile(path.join(data, 'dir/sub/numbers.txt'), Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join(''));

  const file = path.join(dir, 'source.img');
  const sizeBytes = 80 * MiB;
  await writeFile(file, '');
  await truncate(file, sizeBytes);
  await execa('sfdisk', ['-q', file], { input: 'label: gpt\nstart=1MiB, size=34MiB, type=uefi\nsize=40MiB, type=linux\n' });
  const parts: SourcePart[] = [
    { number: 1, fs: 'vfat', startBytes: MiB, sizeBytes: 34 * MiB, content: esp },
    { number: 2, fs: 'ext4', startBytes: 35 * MiB, sizeBytes: 40 * MiB, content: data },
  ];
  const [fat, ext4] = parts as [SourcePart, SourcePart];
  // mkfs.fat counts in 512-byte sectors for --offset and in KiB for the size.
  await execa('mkfs.fat', ['-F', '32', '-s', '1', '-n', 'ESP', `--offset=${fat.startBytes / 512}`, file, String(fat.sizeBytes / 1024)]);
  await execa('mcopy', ['-s', '-i', `${file}@@${fat.startBytes}`, path.join(esp, 'EFI'), path.join(esp, 'readme.txt'), '::/']);
  await execa('mkfs.ext4', ['-q', '-F', '-L', 'data', '-d', data, '-E', `offset=${ext4.startBytes}`, file, `${ext4.sizeBytes / 1024}k`]);
  return { file, sizeBytes, parts };
}

/** Copies one partition's bytes out of an image, for tools that take a whole file. */
async function extract(image: string, part: SourcePart, to: string): Promise<void> {
  const from = await open(image, 'r');
  try {
    const bytes = Buffer.alloc(part.sizeBytes);
    const { bytesRead } = await from.read(bytes, 0, part.sizeBytes, part.startBytes);
    expect(bytesRead).toBe(part.sizeBytes);
    await writeFile(to, bytes);
  } finally {
    await from.close();
  }
}

/** Every file under `root` as "path sha256", directories as "path/", sorted; lost+found left out. */
async function treeListing(root: string): Promise<string[]> {
  const lines: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    for (const name of (await readdir(path.join(root, relative))).sort()) {
      const child = relative ? `${relative}/${name}` : name;
      if (child === 'lost+found') continue;
      if ((await stat(path.join(root, child))).isDirectory()) {
        lines.push(`${child}/`);
        await visit(child);
      } else {
        lines.push(
          `${child} ${createHash('sha256')
            .update(await readFile(path.join(root, child)))
            .digest('hex')}`,
        );
      }
    }
  };
  await visit('');
  return lines;
}

/** The restored image has the source's table, sound filesystems and the source's files, byte for byte. */
export async function expectRestoredImage(restored: string, source: SourceImage, workDir: string): Promise<void> {
  expect(await sfdiskDump(restored)).toBe(await sfdiskDump(source.file));
  for (const part of source.parts) {
    const partFile = path.join(workDir, `${path.basename(restored)}-p${part.number}`);
    await extract(restored, part, partFile);
    const check = await checkFilesystem(partFile, part.fs);
    expect(check.ok, check.output).toBe(true);
    const out = `${partFile}-files`;
    await mkdir(out);
    if (part.fs === 'ext4') await execa('debugfs', ['-R', `rdump / ${out}`, partFile]);
    else await execa('mcopy', ['-s', '-n', '-i', partFile, '::/*', out]);
    expect(await treeListing(out), `partition ${part.number} (${part.fs})`).toEqual(await treeListing(part.content));
  }
}
