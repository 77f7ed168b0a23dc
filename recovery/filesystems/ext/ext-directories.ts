/**
 * Names of ext inodes, found by walking the directory tree from the root. Directory blocks are
 * parsed linearly, which also reads htree directories correctly: their index blocks look like one
 * empty entry spanning the block, as ext3 made them so old code could read them.
 */
import { dataView } from '../../core/bytes.js';
import { forEachInodeRun, INLINE_DATA_FL, S_IFDIR, S_IFMT, type ExtInode, type InodeRun, type InodeWalk } from './ext-inodes.js';
import { INCOMPAT_FILETYPE } from './ext-superblock.js';

export const ROOT_INODE = 2;
/** Hard links named per inode; the report needs a few, not every one. */
const MAX_NAMES_PER_INODE = 8;
const FILE_TYPE_DIRECTORY = 2;
const DIRENT_HEADER_BYTES = 8;

export interface InodeNames {
  paths: string[];
  /** From the directory entry's file type (or the inode's mode on filesystems without it). */
  isDirectory: boolean;
}

interface Entry {
  inode: number;
  name: string;
  fileType: number;
}

const decoder = new TextDecoder('utf-8');

/** The entries of one directory block (or of inline data), stopping at the first malformed one. */
function parseEntries(bytes: Uint8Array, withFileType: boolean): Entry[] {
  const view = dataView(bytes);
  const entries: Entry[] = [];
  let at = 0;
  // Each step advances by at least 8 bytes, so the loop ends within length / 8 steps.
  while (at + DIRENT_HEADER_BYTES <= bytes.length) {
    const inode = view.getUint32(at, true);
    const recordBytes = view.getUint16(at + 4, true);
    const nameBytes = view.getUint8(at + 6);
    if (recordBytes < DIRENT_HEADER_BYTES || recordBytes % 4 !== 0 || at + recordBytes > bytes.length) break;
    if (inode !== 0 && nameBytes > 0 && DIRENT_HEADER_BYTES + nameBytes <= recordBytes) {
      const name = decoder.decode(bytes.subarray(at + DIRENT_HEADER_BYTES, at + DIRENT_HEADER_BYTES + nameBytes));
      if (name !== '.' && name !== '..') entries.push({ inode, name, fileType: withFileType ? view.getUint8(at + 7) : 0 });
    }
    at += recordBytes;
  }
  return entries;
}

async function directoryEntries(walk: InodeWalk, directory: ExtInode, withFileType: boolean): Promise<Entry[]> {
  // Inline directories start with the parent's inode number, then entries.
  if (directory.flags & INLINE_DATA_FL) return parseEntries(directory.iBlock.subarray(4), withFileType);
  const runs: InodeRun[] = [];
  await forEachInodeRun(walk, directory, (run) => {
    if (run.logicalBlock !== null) runs.push(run);
  });
  runs.sort((a, b) => (a.logicalBlock ?? 0) - (b.logicalBlock ?? 0));
  const blockBytes = walk.sb.blockSizeBytes;
  const blocks = Math.ceil(directory.sizeBytes / blockBytes);
  const entries: Entry[] = [];
  for (const run of runs) {
    for (let i = 0; i < run.count && (run.logicalBlock ?? 0) + i < blocks; i++) {
      walk.budget.spend(`directory inode ${directory.number}`);
      const bytes = await walk.source.readAt((run.physicalBlock + i) * blockBytes, blockBytes);
      entries.push(...parseEntries(bytes, withFileType));
    }
  }
  return entries;
}

/**
 * The paths of the `wanted` inodes, walking every directory reachable from the root once.
 * `readInode` answers null for an inode that cannot be read or is not in use.
 */
export async function namesOfInodes(
  walk: InodeWalk,
  readInode: (inode: number) => Promise<ExtInode | null>,
  wanted: ReadonlySet<number>,
): Promise<Map<number, InodeNames>> {
  const found = new Map<number, InodeNames>();
  if (wanted.size === 0) return found;
  const withFileType = (walk.sb.incompat & INCOMPAT_FILETYPE) !== 0;
  const visited = new Set<number>([ROOT_INODE]);
  const queue: Array<{ inode: number; path: string }> = [{ inode: ROOT_INODE, path: '' }];
  if (wanted.has(ROOT_INODE)) found.set(ROOT_INODE, { paths: ['/'], isDirectory: true });
  // Each directory enters the queue once (visited), so the walk ends after at most every inode.
  for (let i = 0; i < queue.length; i++) {
    const next = queue[i] as { inode: number; path: string };
    const directory = await readInode(next.inode);
    if (directory === null || (directory.mode & S_IFMT) !== S_IFDIR) continue;
    for (const entry of await directoryEntries(walk, directory, withFileType)) {
      const path = `${next.path}/${entry.name}`;
      let isDirectory = entry.fileType === FILE_TYPE_DIRECTORY;
      if (!withFileType) isDirectory = ((await readInode(entry.inode))?.mode ?? 0) >> 12 === S_IFDIR >> 12;
      if (wanted.has(entry.inode)) {
        const names = found.get(entry.inode) ?? { paths: [], isDirectory };
        if (names.paths.length < MAX_NAMES_PER_INODE) names.paths.push(path);
        found.set(entry.inode, names);
      }
      if (isDirectory && !visited.has(entry.inode)) {
        visited.add(entry.inode);
        queue.push({ inode: entry.inode, path });
      }
    }
  }
  return found;
}
