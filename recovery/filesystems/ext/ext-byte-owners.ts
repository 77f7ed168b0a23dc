/**
 * The owner mapper of ext2/3/4: which files and structures hold given byte ranges. Group
 * structures are named from the descriptors; then every inode in use (by the inode bitmaps) is
 * read and its blocks (extent tree or block map, plus its xattr block) compared with the ranges;
 * last, the directory tree is walked once to turn the inodes found into paths. Inodes whose
 * records lie in a queried part of an inode table are named too: those files are lost whole.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { LifeboatError } from '../../core/errors.js';
import { OwnerLists, QueryIndex, type ByteOwner, type ByteOwnerMapper, type OwnerQuery } from '../owner-queries.js';
import { namesOfInodes, ROOT_INODE, type InodeNames } from './ext-directories.js';
import { ExtGroups, groupStructureHits } from './ext-group-structures.js';
import { forEachInodeRun, inodeOffsetBytes, parseInode, ReadBudget, S_IFDIR, S_IFMT, type ExtInode, type InodeWalk } from './ext-inodes.js';
import { COMPAT_HAS_JOURNAL, parseSuperblock, readSuperblockBytes, type ExtSuperblock } from './ext-superblock.js';

/** Inode-table bytes read at once while scanning. */
const TABLE_READ_BYTES = 1024 * 1024;
const RESIZE_INODE = 7;

type Role = 'data' | 'map' | 'xattr';

interface InodeHit {
  query: number;
  inode: number;
  isDirectory: boolean;
  role: Role;
  fileOffsetBytes: number;
  lengthBytes: number;
}

interface SpecialInodes {
  journal: number;
  /** Inodes below this one are reserved for the filesystem itself. */
  firstRegular: number;
}

function specialInodes(raw: Uint8Array, sb: ExtSuperblock): SpecialInodes {
  const view = dataView(raw);
  return {
    journal: sb.compat & COMPAT_HAS_JOURNAL ? view.getUint32(0xe0, true) : 0,
    firstRegular: sb.revLevel === 0 ? 11 : Math.max(11, view.getUint32(0x54, true)),
  };
}

function specialName(number: number, special: SpecialInodes): string | null {
  if (number === special.journal) return 'ext4 journal';
  if (number === RESIZE_INODE) return 'ext4 reserved group descriptor blocks (resize inode)';
  if (number < special.firstRegular && number !== ROOT_INODE) return `ext4 reserved inode ${number}`;
  return null;
}

/** Reads every inode in use, group by group, and reports the queried blocks each one owns. */
async function scanInodes(walk: InodeWalk, groups: ExtGroups, index: QueryIndex): Promise<InodeHit[]> {
  const { sb, source } = walk;
  const blockBytes = sb.blockSizeBytes;
  const hits: InodeHit[] = [];
  const check = (inode: ExtInode, role: Role, physicalBlock: number, count: number, logicalBlock: number) => {
    for (const hit of index.hits(physicalBlock * blockBytes, (physicalBlock + count) * blockBytes)) {
      const fileOffsetBytes = logicalBlock * blockBytes + (hit.startBytes - physicalBlock * blockBytes);
      hits.push({
        query: hit.query,
        inode: inode.number,
        isDirectory: (inode.mode & S_IFMT) === S_IFDIR,
        role,
        fileOffsetBytes,
        lengthBytes: hit.endBytes - hit.startBytes,
      });
    }
  };
  for (let group = 0; group < sb.groupCount; group++) {
    if (groups.inodesUnused[group]) continue;
    walk.budget.spend(`the inode bitmap of group ${group}`);
    const bitmap = await source.readAt((groups.inodeBitmap[group] ?? 0) * blockBytes, blockBytes);
    let lastUsed = -1;
    // From the end, a byte at a time: most of a big filesystem's inode bitmaps are empty.
    for (let byte = Math.ceil(sb.inodesPerGroup / 8) - 1; byte >= 0 && lastUsed < 0; byte--) {
      const bits = bitmap[byte] ?? 0;
      if (bits !== 0) lastUsed = Math.min(sb.inodesPerGroup - 1, byte * 8 + 31 - Math.clz32(bits));
    }
    const tableStart = (groups.inodeTable[group] ?? 0) * blockBytes;
    const perRead = Math.max(1, Math.floor(TABLE_READ_BYTES / sb.inodeSizeBytes));
    for (let first = 0; first <= lastUsed; first += perRead) {
      const count = Math.min(perRead, lastUsed + 1 - first);
      walk.budget.spend(`the inode table of group ${group}`);
      const table = await source.readAt(tableStart + first * sb.inodeSizeBytes, count * sb.inodeSizeBytes);
      for (let i = first; i < first + count; i++) {
        if (!((bitmap[i >> 3] ?? 0) & (1 << (i & 7)))) continue;
        const at = (i - first) * sb.inodeSizeBytes;
        const inode = parseInode(table.subarray(at, at + sb.inodeSizeBytes), group * sb.inodesPerGroup + i + 1);
        if (inode.mode === 0) continue;
        if (inode.xattrBlock > 0 && inode.xattrBlock < sb.blocksCount) check(inode, 'xattr', inode.xattrBlock, 1, 0);
        await forEachInodeRun(walk, inode, (run) =>
          check(inode, run.logicalBlock === null ? 'map' : 'data', run.physicalBlock, run.count, run.logicalBlock ?? 0),
        );
      }
    }
  }
  return hits;
}

function ownersOfInode(hit: InodeHit, names: InodeNames | undefined, special: SpecialInodes): ByteOwner[] {
  const specialText = specialName(hit.inode, special);
  if (specialText !== null) return [{ kind: 'metadata', name: specialText }];
  const paths = names?.paths ?? [];
  if (paths.length === 0)
    return [{ kind: 'unknown', name: `ext4 inode ${hit.inode} (no path found)`, fileOffsetBytes: hit.fileOffsetBytes, lengthBytes: hit.lengthBytes }];
  if (hit.role === 'map') return paths.map((path) => ({ kind: 'metadata', name: `extent tree or indirect block of ${path}` }));
  if (hit.role === 'xattr') return paths.map((path) => ({ kind: 'metadata', name: `extended attributes of ${path}` }));
  return paths.map((path) => ({
    kind: hit.isDirectory ? 'directory' : 'file',
    name: path,
    fileOffsetBytes: hit.fileOffsetBytes,
    lengthBytes: hit.lengthBytes,
  }));
}

export const extByteOwners: ByteOwnerMapper = async (source: ByteSource, queries: readonly OwnerQuery[]): Promise<ByteOwner[][]> => {
  const raw = await readSuperblockBytes(source);
  const sb = raw === null ? null : parseSuperblock(raw);
  if (raw === null || sb === null)
    throw new LifeboatError('CORRUPT_FILESYSTEM', 'ext: the superblock is gone, so the owners of unreadable blocks cannot be named.');
  const special = specialInodes(raw, sb);
  const index = new QueryIndex(queries);
  const owners = new OwnerLists(queries.length);
  const coveredBytes = new Float64Array(queries.length);
  const groups = await ExtGroups.read(source, sb);
  const walk: InodeWalk = { source, sb, budget: new ReadBudget(sb.blocksCount + sb.groupCount * 2 + 1024) };

  const { structures, inodeTables } = groupStructureHits(groups, index);
  for (const { hit, name } of structures) {
    owners.add(hit.query, { kind: 'metadata', name });
    coveredBytes[hit.query] = (coveredBytes[hit.query] ?? 0) + hit.endBytes - hit.startBytes;
  }
  const inodeHits = await scanInodes(walk, groups, index);

  const readInode = async (number: number): Promise<ExtInode | null> => {
    if (number < 1 || number > sb.groupCount * sb.inodesPerGroup) return null;
    const group = groups.groupOf(number);
    const inode = parseInode(await source.readAt(inodeOffsetBytes(sb, groups.inodeTable[group] ?? 0, number), sb.inodeSizeBytes), number);
    return inode.mode === 0 ? null : inode;
  };
  const wanted = new Set<number>(inodeHits.map((hit) => hit.inode));
  for (const table of inodeTables) for (let n = table.firstInode; n <= table.lastInode; n++) wanted.add(n);
  const names = await namesOfInodes(walk, readInode, wanted);

  for (const table of inodeTables) {
    const lost = [...names.entries()].filter(([n]) => n >= table.firstInode && n <= table.lastInode);
    const span = table.firstInode === table.lastInode ? `inode ${table.firstInode}` : `inodes ${table.firstInode}-${table.lastInode}`;
    owners.add(table.query, { kind: 'metadata', name: `ext4 inode table of group ${table.group} (${span}${lost.length === 0 ? ', not in use' : ''})` });
    for (const [, found] of lost) for (const path of found.paths) owners.add(table.query, { kind: found.isDirectory ? 'directory' : 'file', name: path });
  }
  const tableBytes = sb.inodeTableBlocks * sb.blockSizeBytes;
  for (const table of inodeTables) {
    const q = queries[table.query] as OwnerQuery;
    const start = (groups.inodeTable[table.group] ?? 0) * sb.blockSizeBytes;
    coveredBytes[table.query] = (coveredBytes[table.query] ?? 0) + Math.min(q.offsetBytes + q.lengthBytes, start + tableBytes) - Math.max(q.offsetBytes, start);
  }
  for (const hit of inodeHits) {
    for (const owner of ownersOfInode(hit, names.get(hit.inode), special)) owners.add(hit.query, owner);
    coveredBytes[hit.query] = (coveredBytes[hit.query] ?? 0) + hit.lengthBytes;
  }
  queries.forEach((q, i) => {
    if ((coveredBytes[i] ?? 0) < q.lengthBytes) owners.add(i, { kind: 'unknown', name: 'ext4 blocks marked in use that no inode or group structure owns' });
  });
  return owners.lists;
};
