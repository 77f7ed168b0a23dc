/**
 * Fills FAT volumes (through mtools) and exFAT volumes (through exfat-fuse) with the same tree:
 * files of many sizes, nested and empty directories; then deletes some files and writes one more
 * big file into the holes, so allocation is fragmented and has gaps.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Scratch } from '../../../helpers/loop-device.js';

function pattern(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  return data;
}

/** Relative paths of the tree's files with their sizes; `scale` shrinks it for small volumes. */
function tree(scale: number): Array<{ file: string; sizeBytes: number }> {
  const files: Array<{ file: string; sizeBytes: number }> = [];
  for (let i = 0; i < 14; i++) files.push({ file: `file ${i} with a long name.bin`, sizeBytes: Math.round(((i * 7919) % 90_000) * scale) + 1 });
  for (let i = 0; i < 8; i++) files.push({ file: `dir/sub/deep/part${i}.dat`, sizeBytes: Math.round(((i * 3571) % 40_000) * scale) + 100 });
  for (let i = 0; i < 4; i++) files.push({ file: `dir/note${i}.txt`, sizeBytes: 50 + i });
  return files;
}

/** Every third file goes. */
const deleted = (files: Array<{ file: string }>) => files.filter((_, i) => i % 3 === 1).map((f) => f.file);
const fragmentBytes = (scale: number) => Math.round(150_000 * scale);

async function writeTree(root: string, scale: number): Promise<void> {
  await mkdir(path.join(root, 'empty dir'), { recursive: true });
  let seed = 0;
  for (const { file, sizeBytes } of tree(scale)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), pattern(sizeBytes, seed++));
  }
}

/** Fills a FAT image with mtools. */
export async function populateFat(image: string, workDir: string, scale = 1): Promise<void> {
  const source = path.join(workDir, 'content');
  await rm(source, { recursive: true, force: true });
  await writeTree(source, scale);
  await execa('sh', ['-c', 'mcopy -s -i "$0" ./* ::', image], { cwd: source });
  await execa('mdel', ['-i', image, ...deleted(tree(scale)).map((f) => `::${f}`)]);
  await writeFile(path.join(workDir, 'fragment.bin'), pattern(fragmentBytes(scale), 99));
  await execa('mcopy', ['-i', image, path.join(workDir, 'fragment.bin'), '::dir/fragment.bin']);
}

/** Fills an exFAT image through exfat-fuse on a loop device; unmounts and detaches before returning. */
export async function populateExfat(scratch: Scratch, image: string, scale = 1): Promise<void> {
  const device = await scratch.attach(image);
  const mountPoint = await scratch.mount(device, `mnt-${path.basename(image)}`, 'exfat-fuse');
  await writeTree(mountPoint, scale);
  for (const file of deleted(tree(scale))) await rm(path.join(mountPoint, file));
  await writeFile(path.join(mountPoint, 'dir', 'fragment.bin'), pattern(fragmentBytes(scale), 99));
  await execa('umount', [mountPoint]);
  await scratch.detach(device);
}

/** Writes files through exfat-fuse until the volume is full, so the heap's last clusters are in use. */
export async function fillExfat(scratch: Scratch, image: string): Promise<void> {
  const device = await scratch.attach(image);
  const mountPoint = await scratch.mount(device, `mnt-${path.basename(image)}`, 'exfat-fuse');
  // One big file, then 4 KiB files until the volume is full (at most 20000 of them).
  const script =
    'dd if=/dev/zero of="$0/big" bs=64k 2>/dev/null; i=0; while [ $i -lt 20000 ] && head -c 4096 /dev/zero > "$0/small$i" 2>/dev/null; do i=$((i+1)); done; true';
  await execa('sh', ['-c', script, mountPoint]);
  await execa('umount', [mountPoint]);
  await scratch.detach(device);
}
