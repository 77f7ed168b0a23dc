/**
 * The file-level oracle for round trips: what a filesystem holds, read through Debian's own
 * drivers (kernel ext4 mounted ro, ntfs-3g ro, mtools for FAT), as a sorted list of entries
 * that two disks can be compared by. Hard links are reported as groups of paths, never inode
 * numbers, because a restore need not keep inode numbers to be correct.
 */
import { lstat, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { sha256File } from './file-hash.js';
import { withMount } from './with-mount.js';

export type DigestFs = 'ext4' | 'vfat' | 'ntfs';

export interface TreeEntry {
  /** Relative to the filesystem's root, '/'-separated; the root itself is '.'. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';
  sizeBytes?: number;
  /** Of the content as read, so holes count as zeros. */
  sha256?: string;
  linkTarget?: string;
  /** Permission bits with setuid/setgid/sticky (ext4 only: the others have no POSIX modes). */
  mode?: string;
  uid?: number;
  gid?: number;
  /** Device number of a device node. */
  rdev?: string;
  mtimeNs?: string;
  /** Allocated 512-byte units of a file: a used-block image keeps holes holes, so this must match too. */
  blocks512?: number;
  /** Extended attributes (hex values), ext4 and NTFS (ntfs-3g shows named streams as user.*). */
  xattrs?: Record<string, string>;
  /** Every path of this file's hard-link group (itself included), sorted; absent for a single link. */
  hardlinks?: string[];
}

export interface TreeDigest {
  fs: DigestFs;
  entries: TreeEntry[];
  /** Every set of paths that share one inode, each sorted, the list sorted by first path. */
  hardlinkGroups: string[][];
}

const TYPES: Array<[(s: import('node:fs').BigIntStats) => boolean, TreeEntry['type']]> = [
  [(s) => s.isFile(), 'file'],
  [(s) => s.isDirectory(), 'dir'],
  [(s) => s.isSymbolicLink(), 'symlink'],
  [(s) => s.isFIFO(), 'fifo'],
  [(s) => s.isCharacterDevice(), 'char'],
  [(s) => s.isBlockDevice(), 'block'],
  [(s) => s.isSocket(), 'socket'],
];

/** getfattr escapes bytes it will not print as \ooo (octal); the path bytes are UTF-8. */
function unescapeGetfattr(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const octal = /^\\([0-7]{3})/.exec(text.slice(i, i + 4));
    if (octal?.[1]) {
      bytes.push(Number.parseInt(octal[1], 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** All extended attributes of the given paths (relative to root), one getfattr run per batch. */
async function readXattrs(root: string, paths: string[]): Promise<Map<string, Record<string, string>>> {
  const found = new Map<string, Record<string, string>>();
  for (let at = 0; at < paths.length; at += 200) {
    const batch = paths.slice(at, at + 200);
    const { stdout } = await execa('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--', ...batch], { cwd: root, stripFinalNewline: false });
    let current: Record<string, string> | undefined;
    for (const line of stdout.split('\n')) {
      const file = /^# file: (.*)$/.exec(line);
      if (file) {
        current = {};
        found.set(unescapeGetfattr(file[1] ?? ''), current);
      } else if (current && line !== '') {
        const equals = line.indexOf('=');
        if (equals < 0) current[line] = '';
        else current[line.slice(0, equals)] = line.slice(equals + 1);
      }
    }
  }
  return found;
}

/** Walks a directory tree (not following symlinks) into entries; `posix` adds mode and owners. */
async function walk(root: string, options: { posix: boolean; blocks: boolean; dirTimes: boolean }): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const inodes = new Map<string, string[]>();
  const visit = async (relative: string): Promise<void> => {
    const full = path.join(root, relative);
    const stats = await lstat(full, { bigint: true });
    const type = TYPES.find(([test]) => test(stats))?.[1] ?? 'file';
    const entry: TreeEntry = { path: relative, type };
    if (options.posix) {
      entry.mode = (Number(stats.mode) & 0o7777).toString(8).padStart(4, '0');
      entry.uid = Number(stats.uid);
      entry.gid = Number(stats.gid);
    }
    if (type !== 'dir' || options.dirTimes) entry.mtimeNs = stats.mtimeNs.toString();
    if (type === 'file') {
      entry.sizeBytes = Number(stats.size);
      entry.sha256 = await sha256File(full);
      if (options.blocks) entry.blocks512 = Number(stats.blocks);
      if (stats.nlink > 1n) inodes.set(`${stats.dev}:${stats.ino}`, [...(inodes.get(`${stats.dev}:${stats.ino}`) ?? []), relative]);
    } else if (type === 'symlink') {
      entry.linkTarget = await readlink(full);
    } else if (type === 'char' || type === 'block') {
      entry.rdev = stats.rdev.toString();
    }
    entries.push(entry);
    if (type === 'dir') {
      for (const name of (await readdir(full)).sort()) await visit(relative === '.' ? name : `${relative}/${name}`);
    }
  };
  await visit('.');
  const groups = [...inodes.values()].map((paths) => paths.sort());
  for (const group of groups) for (const member of group) entries.find((e) => e.path === member)!.hardlinks = group;
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function groupsOf(entries: TreeEntry[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const entry of entries) if (entry.hardlinks) groups.set(entry.hardlinks.join('\0'), entry.hardlinks);
  return [...groups.values()].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

async function digestMounted(root: string, fs: 'ext4' | 'ntfs'): Promise<TreeEntry[]> {
  const entries = await walk(root, { posix: fs === 'ext4', blocks: true, dirTimes: true });
  // Only files and directories can carry user.* attributes; asking a symlink makes ntfs-3g fail.
  const xattrs = await readXattrs(
    root,
    entries.filter((e) => e.type === 'file' || e.type === 'dir').map((e) => e.path),
  );
  for (const entry of entries) {
    const found = xattrs.get(entry.path);
    if (found && Object.keys(found).length > 0) entry.xattrs = Object.fromEntries(Object.entries(found).sort());
  }
  return entries;
}

/** FAT: copies the whole volume out with mcopy (keeping modification times) and walks the copy. */
async function digestFat(device: string): Promise<TreeEntry[]> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-fat-out-'));
  try {
    const env = { MTOOLS_SKIP_CHECK: '1' };
    const copied = await execa('mcopy', ['-s', '-m', '-n', '-i', device, '::*', out], { env, reject: false });
    if (copied.exitCode !== 0) {
      // An empty root gives '*' nothing to match; anything else is a real failure.
      const listing = await execa('mdir', ['-i', device, '::'], { env, reject: false });
      if (!listing.stdout.includes('No files')) throw new Error(`mcopy out of ${device} failed: ${copied.stderr}`);
    }
    // The copy's directory times are those of the copy, not of the volume: leave them out.
    return await walk(out, { posix: false, blocks: false, dirTimes: false });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** What the filesystem on `device` holds, read without writing to it. */
export async function treeDigest(device: string, fs: DigestFs): Promise<TreeDigest> {
  const entries = fs === 'vfat' ? await digestFat(device) : await withMount(device, fs, 'ro', (root) => digestMounted(root, fs));
  return { fs, entries, hardlinkGroups: groupsOf(entries) };
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'absent';
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/**
 * Every difference between two digests as a readable line; empty when they are equal. A
 * block-level restore keeps every field; `ignore` is for comparisons that cannot (two disks built
 * separately differ in every mtimeNs).
 */
export function compareTrees(a: TreeDigest, b: TreeDigest, options: { ignore?: Array<keyof TreeEntry> } = {}): string[] {
  const ignored = new Set<string>(options.ignore ?? []);
  const differences: string[] = [];
  if (a.fs !== b.fs) differences.push(`filesystem: ${a.fs} vs ${b.fs}`);
  const left = new Map(a.entries.map((e) => [e.path, e]));
  const right = new Map(b.entries.map((e) => [e.path, e]));
  for (const where of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const x = left.get(where);
    const y = right.get(where);
    if (!y) differences.push(`${where}: only in the first tree (${x?.type})`);
    else if (!x) differences.push(`${where}: only in the second tree (${y.type})`);
    else {
      const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((f) => !ignored.has(f)).sort() as Array<keyof TreeEntry>;
      for (const field of fields) {
        if (JSON.stringify(x[field]) !== JSON.stringify(y[field])) differences.push(`${where}: ${field} ${shown(x[field])} vs ${shown(y[field])}`);
      }
    }
  }
  return differences;
}
