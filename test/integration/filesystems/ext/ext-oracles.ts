/**
 * Independent answers about an ext image, from Debian's own tools: partclone's image header and
 * bitmap, dumpe2fs' per-group free lists and flags, blkid's identification. The ext matrix test
 * compares Lifeboat's answers with these.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BlockRangesBuilder, type BlockRanges } from '../../../../recovery/core/block-ranges.js';
import { sectorSource, type ByteSource } from '../../../../recovery/core/byte-source.js';
import { openImageFile } from '../../../../recovery/disks/open-disk.js';
import type { Scratch } from '../../../helpers/loop-device.js';
import { runPartclone, type PartcloneImage } from '../../../helpers/partclone.js';

/**
 * Runs `partclone.extfs -c` and reads its image's header and bitmap (test/helpers/partclone.ts), or
 * returns why it refused: its exit message on stderr.
 */
export async function partcloneView(image: string, workDir: string): Promise<PartcloneImage | { refusal: string }> {
  const result = await runPartclone('extfs', image, { workDir });
  return 'refusal' in result ? { refusal: result.stderr } : result;
}

export interface DumpGroup {
  group: number;
  firstBlock: number;
  lastBlock: number;
  flags: string[];
  /** Blocks of the superblock, descriptor and reserved-descriptor copies the group holds. */
  superAndDescriptorBlocks: number;
}

/** What dumpe2fs says: geometry, per-group flags and the used blocks (complement of its free lists). */
export interface DumpView {
  header: Map<string, string>;
  blockSizeBytes: number;
  blocksCount: number;
  freeBlocks: number;
  groups: DumpGroup[];
  used: BlockRanges;
}

function rangeSize(text: string): number {
  const [a, b] = text.split('-').map(Number);
  return b === undefined ? 1 : b - (a ?? 0) + 1;
}

export async function dumpView(image: string): Promise<DumpView> {
  const { stdout } = await execa('dumpe2fs', [image], { stderr: 'ignore' });
  const header = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([A-Za-z][^:]*):\s+(.*)$/.exec(line);
    if (match && !line.startsWith('Group ')) header.set(match[1]!, match[2]!);
  }
  const blockSizeBytes = Number(header.get('Block size'));
  const blocksCount = Number(header.get('Block count'));
  const clusterBlocks = header.has('Cluster size') ? Number(header.get('Cluster size')) / blockSizeBytes : 1;
  const free = new BlockRangesBuilder(blocksCount);
  const groups: DumpGroup[] = [];
  let current: DumpGroup | undefined;
  for (const line of stdout.split('\n')) {
    const group = /^Group (\d+): \(Blocks (\d+)-(\d+)\)[^[]*(?:\[(.*)\])?/.exec(line);
    if (group) {
      current = {
        group: Number(group[1]),
        firstBlock: Number(group[2]),
        lastBlock: Number(group[3]),
        flags: group[4]?.split(', ') ?? [],
        superAndDescriptorBlocks: 0,
      };
      groups.push(current);
      continue;
    }
    if (!current) continue;
    for (const part of line.matchAll(/(?:superblock at|Group descriptors at|Reserved GDT blocks at) (\d+(?:-\d+)?)/g)) {
      current.superAndDescriptorBlocks += rangeSize(part[1]!);
    }
    const freeList = /^\s+Free blocks: (.*)$/.exec(line);
    if (freeList?.[1]) {
      for (const item of freeList[1].split(', ')) {
        // With bigalloc each number is a cluster's first block: a range ends a cluster later.
        const [a, b] = item.split('-').map(Number);
        const start = a!;
        const end = Math.min(blocksCount, (b ?? start) + clusterBlocks);
        free.add(start, end - start);
      }
    }
  }
  const freeRanges = free.build();
  const used = new BlockRangesBuilder(blocksCount);
  let at = 0;
  for (const { start, count } of freeRanges) {
    used.add(at, start - at);
    at = start + count;
  }
  used.add(at, blocksCount - at);
  return { header, blockSizeBytes, blocksCount, freeBlocks: Number(header.get('Free blocks')), groups, used: used.build() };
}

/** `blkid -p -o export` as a map (the low-level probe, no cache). */
export async function blkidView(image: string): Promise<Map<string, string>> {
  const { stdout } = await execa('blkid', ['-p', '-o', 'export', image]);
  return new Map(stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const));
}

/** Deterministic, incompressible-ish bytes (a small LCG), so files differ and are not all zero. */
function content(sizeBytes: number, seed: number): Buffer {
  const data = Buffer.alloc(sizeBytes);
  let state = seed;
  for (let i = 0; i + 4 <= sizeBytes; i += 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data.writeUInt32LE(state, i);
  }
  return data;
}

/**
 * Mounts the image, writes a few MiB of files of varied sizes in nested directories, deletes
 * some (leaving holes in the bitmaps), and unmounts so the filesystem is clean again.
 */
export async function fillWithFiles(scratch: Scratch, image: string, name: string): Promise<void> {
  const device = await scratch.attach(image);
  const mountPoint = await scratch.mount(device, `mnt-${name}`);
  try {
    const sizes = [0, 1, 700, 4096, 5000, 65_536, 200_000, 1_048_576, 2_500_000];
    let seed = 1;
    for (let d = 0; d < 4; d++) {
      const dir = path.join(mountPoint, `dir-${d}`, `sub-${d % 2}`);
      await mkdir(dir, { recursive: true });
      for (const size of sizes.slice(0, 4 + d * 2)) await writeFile(path.join(dir, `file-${size}`), content(size, seed++));
    }
    for (let i = 0; i < 40; i++) await writeFile(path.join(mountPoint, `dir-0`, `small-${i}`), content(100 + i * 37, seed++));
    for (let i = 0; i < 40; i += 3) await rm(path.join(mountPoint, `dir-0`, `small-${i}`));
    await rm(path.join(mountPoint, 'dir-2'), { recursive: true });
    await writeFile(path.join(mountPoint, 'after-delete'), content(300_000, seed++));
  } finally {
    await execa('umount', [mountPoint]);
    await scratch.detach(device);
  }
}

/** A ByteSource over an image file, as Lifeboat reads a partition. */
export async function imageSource(image: string): Promise<{ source: ByteSource; close: () => Promise<void> }> {
  const disk = await openImageFile(image);
  return { source: sectorSource(disk), close: () => disk.close() };
}
