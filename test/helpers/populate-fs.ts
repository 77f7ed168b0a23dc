/**
 * Fills a freshly made filesystem with the varied tree the capture/restore round trips compare:
 * hundreds of small files in nested directories, MiB-sized files, a sparse file, hard links,
 * symlinks, a 200+ character name, extended attributes, odd modes and special files where the
 * filesystem has them. Then it deletes files whose sectors carry STALE_MARKER, so the free space
 * holds old data: a used-block image must not carry it, a raw copy would.
 */
import { mkdir, mkdtemp, open, readdir, rm, symlink, link, chmod, chown, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { withMount } from './with-mount.js';

export type ContentFs = 'ext4' | 'vfat' | 'ntfs';

/** Starts every 512-byte sector of the deleted files, so a test can look for it in free space. */
export const STALE_MARKER = 'LIFEBOAT-STALE-SECTOR';

/** What a filesystem can hold beyond plain files and directories. */
interface Features {
  links: boolean;
  sparse: boolean;
  xattrs: boolean;
  /** Modes, owners, FIFOs and device nodes (ext4 only: ntfs-3g without a user map ignores them). */
  posix: boolean;
  unicodeNames: boolean;
}

const FEATURES: Record<ContentFs, Features> = {
  ext4: { links: true, sparse: true, xattrs: true, posix: true, unicodeNames: true },
  // ntfs-3g stores user.* attributes as named data streams.
  ntfs: { links: true, sparse: true, xattrs: true, posix: false, unicodeNames: true },
  // mtools turns short non-ASCII names into upper-case 8.3 names, so FAT keeps to ASCII.
  vfat: { links: false, sparse: false, xattrs: false, posix: false, unicodeNames: false },
};

const MiB = 1024 * 1024;
const SMALL_FILES = 300;

/** Deterministic pseudo-random bytes (xorshift32): the same seed gives the same content on every run. */
export function seededBytes(seed: number, length: number): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let state = (seed * 0x9e3779b1 + 1) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    words[i] = state;
  }
  return Buffer.from(words.buffer, 0, length);
}

function staleBytes(seed: number, length: number): Buffer {
  const data = seededBytes(seed, length);
  for (let at = 0; at + STALE_MARKER.length <= length; at += 512) data.write(STALE_MARKER, at, 'latin1');
  return data;
}

const smallFile = (i: number) => `tree/dir-${i % 10}/sub-${Math.floor(i / 10) % 3}/file-${i}.txt`;
/** Every seventh small file is deleted after the tree is written. */
const deletedSmallFiles = () =>
  Array.from({ length: SMALL_FILES }, (_, i) => i)
    .filter((i) => i % 7 === 3)
    .map(smallFile);
const staleFiles = () => [0, 1, 2].map((i) => `stale/deleted-${i}.bin`);

/** The name longer than 200 characters that every filesystem here accepts (255 is their limit). */
export const LONG_NAME = `${'a-very-long-file-name-'.repeat(10)}end.txt`;

async function put(root: string, relative: string, data: Buffer | string): Promise<string> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
  return file;
}

async function writeTree(root: string, features: Features): Promise<void> {
  for (let i = 0; i < SMALL_FILES; i++) await put(root, smallFile(i), seededBytes(i, (i * 7919) % 9000));
  await put(root, 'big/random-1MiB.bin', seededBytes(1001, MiB));
  await put(root, 'big/random-3MiB-odd.bin', seededBytes(1002, 3 * MiB + 123));
  await put(root, 'empty-file', '');
  await mkdir(path.join(root, 'empty-dir'), { recursive: true });
  await put(root, `names/${LONG_NAME}`, 'a long name\n');
  await put(root, 'names/MixedCase Name With Spaces.TXT', 'mixed case\n');
  await put(root, 'deep/a/b/c/d/e/f/g/h/leaf.txt', 'deep leaf\n');
  if (features.unicodeNames) await put(root, 'names/unicode-é-日本-ü.txt', 'unicode\n');

  if (features.links) {
    const original = await put(root, 'links/original.txt', 'linked content\n');
    await link(original, path.join(root, 'links/hard-1.txt'));
    await link(original, path.join(root, 'tree/dir-1/hard-2.txt'));
    const pair = await put(root, 'links/pair-a.bin', seededBytes(77, 70_000));
    await link(pair, path.join(root, 'links/pair-b.bin'));
    await symlink('original.txt', path.join(root, 'links/relative'));
    await symlink('../missing/target', path.join(root, 'links/dangling'));
    await symlink('../tree', path.join(root, 'links/to-directory'));
    // Longer than 60 bytes: ext4 keeps it in a data block instead of the inode.
    await symlink(`/${'long-symlink-target/'.repeat(6)}end`, path.join(root, 'links/long-target'));
  }
  if (features.sparse) await writeSparseFile(path.join(root, 'sparse/holes.bin'));
  if (features.xattrs) {
    await setXattr(path.join(root, 'tree/dir-0/sub-0/file-0.txt'), 'user.comment', 'small value');
    // Too big for the inode: ext4 puts it in its own block, NTFS in a non-resident stream.
    await setXattr(path.join(root, 'big/random-1MiB.bin'), 'user.large', `0x${seededBytes(55, 3000).toString('hex')}`);
    await setXattr(path.join(root, 'links/original.txt'), 'user.origin', 'hard-linked');
  }
  if (features.posix) await writePosixDetails(root);
}

/** 24 MiB long, four data islands, the rest holes (which read back as zeros). */
async function writeSparseFile(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'w');
  try {
    await handle.truncate(24 * MiB);
    for (const [offset, seed] of [
      [0, 1],
      [5 * MiB, 2],
      [16 * MiB + 777, 3],
      [24 * MiB - 4096, 4],
    ] as const) {
      await handle.write(seededBytes(500 + seed, 4096), 0, 4096, offset);
    }
  } finally {
    await handle.close();
  }
}

async function setXattr(file: string, name: string, value: string): Promise<void> {
  await execa('setfattr', ['-n', name, '-v', value, file]);
}

async function writePosixDetails(root: string): Promise<void> {
  await mkdir(path.join(root, 'posix'), { recursive: true });
  await chmod(await put(root, 'posix/private', 'secret\n'), 0o600);
  await chmod(await put(root, 'posix/setuid-tool', '#!/bin/sh\n'), 0o4755);
  await chown(await put(root, 'posix/owned-by-1000', 'owned\n'), 1000, 1000);
  await mkdir(path.join(root, 'posix/sticky-dir'));
  await chmod(path.join(root, 'posix/sticky-dir'), 0o1777);
  await setXattr(path.join(root, 'posix'), 'user.on-directory', 'directory attribute');
  await execa('mkfifo', [path.join(root, 'posix/fifo')]);
  await execa('mknod', [path.join(root, 'posix/null-device'), 'c', '1', '3']);
}

/** Writes the stale files all the way to the device, then deletes them and some of the small files. */
async function leaveStaleData(root: string): Promise<void> {
  for (const [i, relative] of staleFiles().entries()) {
    const file = await put(root, relative, staleBytes(900 + i, 512 * 1024));
    // Without the flush, ext4's delayed allocation would drop the data before it had any block.
    const handle = await open(file, 'r+');
    await handle.sync();
    await handle.close();
  }
  for (const relative of [...staleFiles(), ...deletedSmallFiles()]) await rm(path.join(root, relative));
}

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };

/** FAT through mtools: the tree is built in a temporary directory and copied in with mcopy -s. */
async function populateFat(device: string): Promise<void> {
  const source = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-fat-src-'));
  try {
    await writeTree(source, FEATURES.vfat);
    for (const [i, relative] of staleFiles().entries()) await put(source, relative, staleBytes(900 + i, 512 * 1024));
    const entries = (await readdir(source)).sort();
    await execa('mcopy', ['-s', '-i', device, ...entries, '::'], { cwd: source, env: MTOOLS_ENV });
    await execa('mdel', ['-i', device, ...[...staleFiles(), ...deletedSmallFiles()].map((f) => `::/${f}`)], { env: MTOOLS_ENV });
  } finally {
    await rm(source, { recursive: true, force: true });
  }
}

/** Fills the filesystem on `device` (already made by mkfs) and leaves it unmounted. */
export async function populate(kind: ContentFs, device: string): Promise<void> {
  if (kind === 'vfat') return populateFat(device);
  await withMount(device, kind, 'rw', async (root) => {
    await writeTree(root, FEATURES[kind]);
    await leaveStaleData(root);
  });
}
