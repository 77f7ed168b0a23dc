import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { DATA_LABEL } from '../../../recovery/media/medium-plan.js';
import { useScratch, type Scratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { jsonLines, lifeboat, resultOf, sha256File } from '../pipeline/cli-pipeline.js';
import { buildHybridImage, headBytes, headSha256, MiB, sfdiskTable, withOffsetLoop, type HybridImage } from './hybrid-image.js';

const NEEDS = [
  'root',
  'loop-devices',
  'tool:xorriso',
  'tool:mkfs.fat',
  'tool:mmd',
  'tool:mcopy',
  'tool:mkfs.exfat',
  'tool:fsck.exfat',
  'tool:sfdisk',
  'tool:blkid',
  'tool:mkfs.ext4',
] as const;
const SECTOR = 512;
/** MBR entry 3 (the data partition's): the only bytes of the image's extent that may differ on the stick. */
const ENTRY_3 = { start: 446 + 32, end: 446 + 48 };

/** A file full of a pattern (not zeros), so "unchanged" is a real claim. */
async function patterned(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.alloc(MiB, 0xa5);
  for (let at = 0; at < sizeBytes; at += MiB) await handle.write(block, 0, Math.min(MiB, sizeBytes - at), at);
  await handle.close();
}

async function treeHashes(dir: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of await treeHashes(path.join(dir, entry.name), relative)) out.set(k, v);
    else
      out.set(
        relative,
        createHash('sha256')
          .update(await readFile(path.join(dir, entry.name)))
          .digest('hex'),
      );
  }
  return out;
}

/** Everything a written stick must show, checked with other tools than Lifeboat's. */
async function expectWrittenStick(scratch: Scratch, target: string, image: HybridImage, stdout: string, options: { dataPartition: boolean }): Promise<void> {
  const result = resultOf(stdout);
  expect(result['imageSha256']).toBe(await sha256File(image.file));
  expect(result['readbackSha256']).toBe(result['expectedSha256']);
  expect(await headSha256(target, image.sizeBytes), "the stick's first image-size bytes, hashed by the test").toBe(result['readbackSha256']);

  // Byte for byte the image, except the new MBR entry.
  const written = await headBytes(target, image.sizeBytes);
  const original = await readFile(image.file);
  const differing: number[] = [];
  for (let i = 0; i < original.length; i++) if (written[i] !== original[i]) differing.push(i);
  if (options.dataPartition) {
    expect(differing.length).toBeGreaterThan(0);
    expect(
      differing.every((i) => i >= ENTRY_3.start && i < ENTRY_3.end),
      `bytes outside MBR entry 3 differ: ${differing.slice(0, 8).join(', ')}`,
    ).toBe(true);
  } else {
    expect(differing).toEqual([]);
    expect(result['imageSha256']).toBe(result['readbackSha256']);
  }

  const table = await sfdiskTable(target);
  expect(table?.label).toBe('dos');
  const parts = table?.partitions ?? [];
  const strip = (p: { start: number; size: number; type: string; bootable?: boolean }) => ({
    start: p.start,
    size: p.size,
    type: p.type,
    bootable: p.bootable ?? false,
  });
  expect(parts.slice(0, 2).map(strip)).toEqual(image.partitions.map(strip));
  const diskSectors = Math.floor((await blockSize(target)) / SECTOR);
  if (!options.dataPartition) {
    expect(parts).toHaveLength(2);
  } else {
    expect(parts).toHaveLength(3);
    const data = parts[2] as { start: number; size: number; type: string };
    expect(data.type).toBe('7');
    const imageEnd = Math.max(image.sizeBytes, ...image.partitions.map((p) => (p.start + p.size) * SECTOR));
    expect(data.start * SECTOR).toBe(Math.ceil(imageEnd / MiB) * MiB);
    expect(data.start + data.size).toBe(diskSectors);
    await withOffsetLoop(target, data.start * SECTOR, data.size * SECTOR, async (device) => {
      const check = await execa('fsck.exfat', ['-n', device], { reject: false, all: true });
      expect(check.exitCode, check.all).toBe(0);
      const probe = await execa('blkid', ['-p', '-o', 'export', device]);
      expect(probe.stdout).toContain('TYPE=exfat');
      expect(probe.stdout).toContain(`LABEL=${DATA_LABEL}`);
    });
  }

  // The ISO 9660 filesystem, read from the stick by xorriso: every file with its content.
  // mkdtemp, not the clock: two checks of one target within a millisecond must not share a folder.
  const out = await mkdtemp(path.join(scratch.dir, `extract-${path.basename(target)}-`));
  await execa('xorriso', ['-osirrox', 'on', '-indev', `stdio:${target}`, '-extract', '/', out]);
  const found = await treeHashes(out);
  for (const [name, digest] of image.files) expect(found.get(name), name).toBe(digest);
  await execa('chmod', ['-R', 'u+w', out]);

  // The EFI system partition (partition 2), read by mtools at its offset on the stick.
  const esp = parts[1] as { start: number };
  const loader = await execa('mcopy', ['-i', `${target}@@${esp.start * SECTOR}`, '::/EFI/BOOT/BOOTX64.EFI', '-'], { encoding: 'buffer' });
  expect(createHash('sha256').update(loader.stdout).digest('hex')).toBe(image.efiLoaderSha256);
}

async function blockSize(target: string): Promise<number> {
  const info = await stat(target);
  if (info.isFile()) return info.size;
  return Number((await execa('blockdev', ['--getsize64', target])).stdout);
}

/** The phases of a --json run, in order, each once per stretch. */
function phases(stdout: string): string[] {
  const seen: string[] = [];
  for (const line of jsonLines(stdout)) {
    if (line['type'] !== 'progress') continue;
    const phase = String(line['phase']);
    if (seen.at(-1) !== phase) seen.push(phase);
  }
  return seen;
}

describeWith([...NEEDS], 'lifeboat media write makes a bootable stick with a data partition', () => {
  const scratch = useScratch('all');
  let image: HybridImage;

  beforeAll(async () => {
    image = await buildHybridImage(scratch().dir, 'live.iso', 6);
  });

  it('writes the hybrid image to a 160 MiB disk: partitions 1 and 2 as in the image, an exFAT data partition 3 to the end, the ISO files and the EFI loader intact', async () => {
    const file = await scratch().sparseFile('stick.img', 160 * MiB);
    // An old GPT on the stick: its backup header at the end must not survive.
    await execa('sfdisk', ['-q', file], { input: 'label: gpt\nsize=20M, type=linux\n' });
    const device = await scratch().attach(file);
    const run = await lifeboat('media', 'write', '--to', device, '--image', image.file, '--yes', '--confirm-target', path.basename(device), '--json');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(phases(run.stdout)).toEqual(['clear', 'format', 'data', 'flush', 'readback', 'table', 'flush', 'done']);
    const plan = jsonLines(run.stdout).find((line) => line['type'] === 'plan');
    expect(plan?.['targetSizeBytes']).toBe(160 * MiB);
    await expectWrittenStick(scratch(), device, image, run.stdout, { dataPartition: true });
    expect(resultOf(run.stdout)['readbackDirect']).toBe(true);
    // The kernel was told about the new table: the data partition has its device node.
    const node = `${device}p3`;
    expect((await stat(node)).isBlockDevice()).toBe(true);
    expect((await execa('blkid', ['-p', '-o', 'value', '-s', 'LABEL', node])).stdout.trim()).toBe(DATA_LABEL);
    const tail = await readFile(file).then((bytes) => bytes.subarray(bytes.length - SECTOR));
    expect(tail.subarray(0, 8).toString('latin1')).not.toBe('EFI PART');
  });

  it('writes an image file for a virtual machine the same way, and with --no-data-partition exactly the image', async () => {
    const stick = await scratch().sparseFile('vm-stick.img', 100 * MiB);
    const run = await lifeboat('media', 'write', '--to', stick, '--image', image.file, '--yes', '--confirm-target', stick, '--json');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    await expectWrittenStick(scratch(), stick, image, run.stdout, { dataPartition: true });

    const bare = await scratch().sparseFile('bare.img', image.sizeBytes);
    const plain = await lifeboat('media', 'write', '--to', bare, '--image', image.file, '--no-data-partition', '--yes', '--confirm-target', bare, '--json');
    expect(plain.exitCode, plain.stdout + plain.stderr).toBe(0);
    expect(phases(plain.stdout)).toEqual(['clear', 'data', 'flush', 'readback', 'table', 'done']);
    await expectWrittenStick(scratch(), bare, image, plain.stdout, { dataPartition: false });
    expect(await sha256File(bare)).toBe(await sha256File(image.file));
  });

  it('refuses a disk with a mounted filesystem, a disk too small, the disk holding the image, the image itself, a partition, a read-only disk, and a wrong --confirm-target, leaving each target as it was', async () => {
    const s = scratch();
    const refusedWith = async (target: string, hashOf: string, args: string[], code: string, words: RegExp) => {
      const before = await sha256File(hashOf);
      const run = await lifeboat('media', 'write', '--to', target, ...args);
      expect(run.exitCode, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toContain(`[${code}]`);
      expect(run.stderr).toMatch(words);
      expect(await sha256File(hashOf), `${target} changed`).toBe(before);
    };
    const confirm = (device: string) => ['--yes', '--confirm-target', path.basename(device)];

    // A whole-disk ext4, mounted.
    const busyFile = await s.sparseFile('busy.img', 96 * MiB);
    const busy = await s.attach(busyFile);
    await execa('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', busy]);
    const busyMount = await s.mount(busy, 'busy-mnt');
    await execa('sync');
    await refusedWith(busy, busyFile, ['--image', image.file, ...confirm(busy)], 'TARGET_REFUSED', /mounted filesystems \(.*busy-mnt\)/);

    // The disk whose filesystem holds the image: named as such, not only as mounted.
    const inside = path.join(busyMount, 'live.iso');
    await copyFile(image.file, inside);
    await execa('sync');
    await refusedWith(busy, busyFile, ['--image', inside, ...confirm(busy)], 'TARGET_REFUSED', /holds the image being written \(.*busy-mnt\/live\.iso\)/);

    // Too small for the image and a 64 MiB data partition; without the partition it would fit.
    const smallFile = path.join(s.dir, 'small.img');
    await patterned(smallFile, 48 * MiB);
    const small = await s.attach(smallFile);
    await refusedWith(
      small,
      smallFile,
      ['--image', image.file, ...confirm(small)],
      'OUT_OF_RANGE',
      /too small: it has 50331648 bytes and the image with a 64\.0 MiB data partition needs \d+.*--no-data-partition/,
    );

    // The image itself, as a file and through a loop device over it.
    await refusedWith(
      image.file,
      image.file,
      ['--image', image.file, '--yes', '--confirm-target', image.file],
      'TARGET_REFUSED',
      /is the image being written itself/,
    );
    const overImage = await s.attach(image.file);
    await refusedWith(overImage, image.file, ['--image', image.file, ...confirm(overImage)], 'TARGET_REFUSED', /loop device over the image/);
    await s.detach(overImage);

    // A partition: a stick is written whole.
    const partedFile = await s.sparseFile('parted.img', 128 * MiB);
    await execa('sfdisk', ['-q', partedFile], { input: 'label: dos\nsize=100M, type=83\n' });
    const parted = await s.attachPartitioned(partedFile);
    await refusedWith(
      `${parted}p1`,
      partedFile,
      ['--image', image.file, '--yes', '--confirm-target', `${path.basename(parted)}p1`],
      'NOT_A_DISK',
      /is a partition/,
    );

    // Write-protected.
    const lockedFile = path.join(s.dir, 'locked.img');
    await patterned(lockedFile, 128 * MiB);
    const locked = await s.attach(lockedFile, { readOnly: true });
    await refusedWith(locked, lockedFile, ['--image', image.file, ...confirm(locked)], 'TARGET_REFUSED', /is read-only/);

    // Confirmation: missing, wrong, or nobody to ask.
    const targetFile = path.join(s.dir, 'unconfirmed.img');
    await patterned(targetFile, 128 * MiB);
    const target = await s.attach(targetFile);
    await refusedWith(target, targetFile, ['--image', image.file, '--yes'], 'NOT_CONFIRMED', /--yes needs --confirm-target/);
    await refusedWith(target, targetFile, ['--image', image.file, '--yes', '--confirm-target', 'sdz'], 'NOT_CONFIRMED', /does not name the target/);
    await refusedWith(target, targetFile, ['--image', image.file], 'NOT_CONFIRMED', /no terminal/);
  });

  it('a missing or damaged image is refused before the target is touched', async () => {
    const targetFile = path.join(scratch().dir, 'untouched.img');
    await patterned(targetFile, 128 * MiB);
    const before = await sha256File(targetFile);
    const missing = await lifeboat(
      'media',
      'write',
      '--to',
      targetFile,
      '--image',
      path.join(scratch().dir, 'nope.iso'),
      '--yes',
      '--confirm-target',
      targetFile,
    );
    expect(missing.stderr).toContain('[MEDIA_IMAGE_MISSING]');
    const odd = path.join(scratch().dir, 'odd.iso');
    await writeFile(odd, (await readFile(image.file)).subarray(0, image.sizeBytes - 100));
    const truncated = await lifeboat('media', 'write', '--to', targetFile, '--image', odd, '--yes', '--confirm-target', targetFile);
    expect(truncated.stderr).toContain('[MEDIA_IMAGE_INVALID]');
    expect(await sha256File(targetFile)).toBe(before);
  });
});
