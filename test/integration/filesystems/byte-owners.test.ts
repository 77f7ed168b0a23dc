import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../../recovery/core/byte-source.js';
import { ownerMapperFor, type ByteOwner } from '../../../recovery/filesystems/byte-owners.js';
import { extUsedBlocks } from '../../../recovery/filesystems/ext/index.js';
import type { FilesystemInfo } from '../../../recovery/filesystems/filesystem-types.js';
import { ntfsUsedClusters } from '../../../recovery/filesystems/ntfs/index.js';
import { Scratch } from '../../helpers/loop-device.js';
import { populate } from '../../helpers/populate-fs.js';
import { describeWith } from '../../helpers/requirements.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const SAMPLES = 60;

/** A filesystem made by mkfs on a loop device, filled by populate-fs, then read into memory. */
async function madeFilesystem(scratch: Scratch, name: string, mkfs: string[], kind: 'ext4' | 'ntfs'): Promise<{ image: string; source: ByteSource }> {
  const image = await scratch.sparseFile(name, 96 * MiB);
  const device = await scratch.attach(image);
  await execa(mkfs[0] as string, [...mkfs.slice(1), device]);
  await populate(kind, device);
  await execa('blockdev', ['--flushbufs', device]);
  await scratch.detach(device);
  return { image, source: bufferSource(new Uint8Array(await readFile(image))) };
}

/** Used blocks picked with a fixed seed, sorted, plus the first and last used block. */
async function sampleUsedBlocks(source: ByteSource, type: 'ext4' | 'ntfs', seed: number): Promise<{ blocks: number[]; blockBytes: number }> {
  const map = type === 'ext4' ? await extUsedBlocks(source) : await ntfsUsedClusters(source, { type: 'ntfs' } as FilesystemInfo);
  const used: number[] = [];
  for (const { start, count } of map.used) for (let b = start; b < start + count; b++) used.push(b);
  const random = seededRandom(seed);
  const picked = new Set<number>([used[0] as number, used[used.length - 1] as number]);
  while (picked.size < SAMPLES) picked.add(used[Math.floor(random() * used.length)] as number);
  return { blocks: [...picked].sort((a, b) => a - b), blockBytes: map.blockSizeBytes };
}

async function ownersOf(source: ByteSource, type: 'ext4' | 'ntfs', blocks: number[], blockBytes: number): Promise<ByteOwner[][]> {
  const mapper = ownerMapperFor(type);
  if (!mapper) throw new Error(`no owner mapper for ${type}`);
  return mapper(
    source,
    blocks.map((b) => ({ offsetBytes: b * blockBytes, lengthBytes: blockBytes })),
  );
}

/** debugfs icheck + ncheck: the inode owning each block (or null), and every path of each inode. */
async function debugfsOwners(image: string, blocks: number[]): Promise<Map<number, { inode: number | null; paths: string[] }>> {
  const icheck = await execa('debugfs', ['-R', `icheck ${blocks.join(' ')}`, image], { stderr: 'ignore' });
  const inodes = new Map<number, number | null>();
  for (const line of icheck.stdout.split('\n').slice(1)) {
    const [block, inode] = line.split('\t');
    if (block && inode) inodes.set(Number(block), /^\d+$/.test(inode) ? Number(inode) : null);
  }
  const paths = await debugfsPaths(image, [...new Set([...inodes.values()].filter((i): i is number => i !== null && i >= 11))]);
  return new Map(blocks.map((b) => [b, { inode: inodes.get(b) ?? null, paths: paths.get(inodes.get(b) ?? -1) ?? [] }]));
}

/** debugfs ncheck: every path of each inode that has one. */
async function debugfsPaths(image: string, inodes: number[]): Promise<Map<number, string[]>> {
  const paths = new Map<number, string[]>();
  if (inodes.length === 0) return paths;
  const ncheck = await execa('debugfs', ['-R', `ncheck ${inodes.join(' ')}`, image], { stderr: 'ignore' });
  for (const line of ncheck.stdout.split('\n').slice(1)) {
    const [inode, found] = line.split('\t');
    // debugfs writes entries of the root as "//name".
    if (inode && found) paths.set(Number(inode), [...(paths.get(Number(inode)) ?? []), found.replace(/^\/+/, '/')]);
  }
  return paths;
}

/** ntfscluster -c: the record, path and attribute owning a cluster, or null. */
async function ntfsclusterOwner(image: string, cluster: number): Promise<{ record: number; path: string; attribute: string; stream: string } | null> {
  const { stdout } = await execa('ntfscluster', ['-c', `${cluster}-${cluster}`, image], { stderr: 'ignore', reject: false });
  const match = /^Inode (\d+) (.*)\/(\$[A-Z_]+)(?:\((.*)\))?$/m.exec(stdout);
  return match ? { record: Number(match[1]), path: match[2] === '' ? '/' : (match[2] as string), attribute: match[3] as string, stream: match[4] ?? '' } : null;
}

describeWith(
  ['root', 'loop-devices', 'fuse', 'tool:mkfs.ext4', 'tool:mkfs.ext3', 'tool:mkntfs', 'tool:ntfs-3g', 'tool:setfattr', 'tool:debugfs', 'tool:ntfscluster'],
  'naming the owners of byte ranges agrees with debugfs and ntfscluster',
  () => {
    let scratch: Scratch;
    beforeAll(async () => {
      scratch = await Scratch.create();
    });
    afterAll(async () => {
      await scratch?.cleanup();
    });

    for (const [name, mkfs] of [
      ['ext4 with extents and flex_bg (4 KiB blocks)', ['mkfs.ext4', '-q', '-F', '-T', 'default', '-E', 'lazy_itable_init=0,lazy_journal_init=0']],
      ['ext3 with block maps and indirect blocks', ['mkfs.ext3', '-q', '-F', '-T', 'default']],
    ] as const) {
      it(`${name}: each of ${SAMPLES} used blocks is named as the file debugfs names, or as the filesystem's own structure`, async () => {
        const { image, source } = await madeFilesystem(scratch, `${name.slice(0, 4)}-${mkfs[0]}-${mkfs.length}.img`, [...mkfs], 'ext4');
        const { blocks, blockBytes } = await sampleUsedBlocks(source, 'ext4', 7);
        const owners = await ownersOf(source, 'ext4', blocks, blockBytes);
        const oracle = await debugfsOwners(image, blocks);
        let files = 0;
        for (const [i, block] of blocks.entries()) {
          const ours = owners[i] ?? [];
          const theirs = oracle.get(block);
          const where = `block ${block}: ours ${JSON.stringify(ours)}, debugfs ${JSON.stringify(theirs)}`;
          expect(ours.length, where).toBeGreaterThan(0);
          expect(
            ours.some((o) => o.kind === 'unknown'),
            where,
          ).toBe(false);
          if (!theirs || theirs.inode === null) {
            expect(ours[0]?.kind === 'metadata' && ours[0].name.includes('ext4 '), where).toBe(true);
            // An inode-table block also names the files whose inodes it holds: exactly those debugfs finds for its inodes.
            const table = /inode table of group \d+ \(inodes (\d+)-(\d+)/.exec(ours[0]?.name ?? '');
            const lost = ours.slice(1);
            if (table) {
              const inodes = Array.from({ length: Number(table[2]) - Number(table[1]) + 1 }, (_, k) => Number(table[1]) + k);
              const named = [...(await debugfsPaths(image, inodes)).values()].flat().sort();
              if (named.length <= 31) expect(lost.map((o) => o.name).sort(), where).toEqual(named);
              else for (const owner of lost) expect(named, where).toContain(owner.name);
            } else {
              expect(lost, where).toEqual([]);
            }
          } else if (theirs.inode === 8) {
            expect(
              ours.map((o) => o.name),
              where,
            ).toContain('ext4 journal');
          } else if (theirs.inode === 7) {
            expect(
              ours.some((o) => o.name.includes('reserved group descriptor blocks')),
              where,
            ).toBe(true);
          } else if (theirs.inode >= 11) {
            files++;
            expect(theirs.paths.length, where).toBeGreaterThan(0);
            for (const path of theirs.paths)
              expect(
                ours.some((o) => o.name === path || o.name.endsWith(` of ${path}`)),
                where,
              ).toBe(true);
          }
        }
        expect(files).toBeGreaterThan(SAMPLES / 4);
      });
    }

    it(`NTFS: each of ${SAMPLES} used clusters is named as the file, stream or structure ntfscluster names`, async () => {
      const { image, source } = await madeFilesystem(scratch, 'ntfs.img', ['mkntfs', '-Q', '-F'], 'ntfs');
      const { blocks, blockBytes } = await sampleUsedBlocks(source, 'ntfs', 11);
      const owners = await ownersOf(source, 'ntfs', blocks, blockBytes);
      let files = 0;
      for (const [i, cluster] of blocks.entries()) {
        const ours = owners[i] ?? [];
        const theirs = await ntfsclusterOwner(image, cluster);
        const where = `cluster ${cluster}: ours ${JSON.stringify(ours)}, ntfscluster ${JSON.stringify(theirs)}`;
        expect(ours.length, where).toBeGreaterThan(0);
        if (theirs === null) {
          // Only the volume's tail lies outside every file: sectors after the last whole cluster and the backup boot sector.
          expect(ours.map((o) => o.name).sort(), where).toEqual(['NTFS backup boot sector', 'NTFS sectors after the last whole cluster (unused)']);
          continue;
        }
        const names = ours.map((o) => o.name);
        if (theirs.record === 0 && theirs.attribute === '$DATA')
          expect(
            names.every((n) => n.startsWith('$MFT (record')),
            where,
          ).toBe(true);
        else if (theirs.record < 24 && theirs.record !== 5)
          expect(
            names.some((n) => n.startsWith(theirs.path.slice(1))),
            where,
          ).toBe(true);
        else if (theirs.attribute === '$DATA') {
          files++;
          expect(names, where).toContain(theirs.stream ? `${theirs.path}:${theirs.stream}` : theirs.path);
        } else if (theirs.attribute === '$INDEX_ALLOCATION' && theirs.stream === '$I30')
          expect(ours, where).toContainEqual({ kind: 'directory', name: theirs.path });
        else
          expect(
            names.some((n) => n.includes(theirs.path)),
            where,
          ).toBe(true);
      }
      expect(files).toBeGreaterThan(SAMPLES / 4);
    });
  },
);
