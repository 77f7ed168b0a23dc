/**
 * The per-group structures of an ext filesystem (superblock and descriptor copies, bitmaps,
 * inode tables), kept compactly for the owner mapper: which structure a block belongs to, and
 * where each group's inode table and inode bitmap are.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { LifeboatError } from '../../core/errors.js';
import type { QueryHit, QueryIndex } from '../owner-queries.js';
import { forEachSuperAndDescriptorRun, groupFirstBlock, hasSuperblock } from './ext-backup-groups.js';
import { BG_INODE_UNINIT, forEachDescriptorBatch } from './ext-group-descriptors.js';
import { hasGroupChecksums, SUPERBLOCK_OFFSET_BYTES, type ExtSuperblock } from './ext-superblock.js';

/** Groups the owner mapper keeps in memory: 1 Mi groups is 128 TiB at 4 KiB blocks, 17 MiB of tables. */
export const MAX_NAMED_GROUPS = 1 << 20;

export class ExtGroups {
  private constructor(
    readonly sb: ExtSuperblock,
    readonly inodeTable: Float64Array,
    readonly inodeBitmap: Float64Array,
    readonly blockBitmap: Float64Array,
    /** INODE_UNINIT that can be believed: the group's inode table was never used. */
    readonly inodesUnused: Uint8Array,
  ) {}

  static async read(source: ByteSource, sb: ExtSuperblock): Promise<ExtGroups> {
    if (sb.groupCount > MAX_NAMED_GROUPS) {
      throw new LifeboatError(
        'LIMIT_EXCEEDED',
        `ext: the filesystem has ${sb.groupCount} block groups; Lifeboat names the owners of unreadable blocks on filesystems of at most ${MAX_NAMED_GROUPS}.`,
      );
    }
    const groups = new ExtGroups(
      sb,
      new Float64Array(sb.groupCount),
      new Float64Array(sb.groupCount),
      new Float64Array(sb.groupCount),
      new Uint8Array(sb.groupCount),
    );
    const trusted = hasGroupChecksums(sb);
    await forEachDescriptorBatch(source, sb, (batch) => {
      for (const d of batch) {
        groups.inodeTable[d.group] = d.inodeTable;
        groups.inodeBitmap[d.group] = d.inodeBitmap;
        groups.blockBitmap[d.group] = d.blockBitmap;
        groups.inodesUnused[d.group] = trusted && d.flags & BG_INODE_UNINIT ? 1 : 0;
      }
      return Promise.resolve();
    });
    return groups;
  }

  /** The group holding inode `number` (1-based). */
  groupOf(number: number): number {
    return Math.floor((number - 1) / this.sb.inodesPerGroup);
  }
}

/** A query's part inside an inode table, as the inode numbers whose records it covers. */
export interface InodeTableHit {
  query: number;
  group: number;
  firstInode: number;
  lastInode: number;
}

export interface StructureHit {
  hit: QueryHit;
  name: string;
}

/**
 * Names the group structures the queries touch. Inode-table hits are returned separately, since
 * the inodes they cover (and so the files lost with them) are named later.
 */
export function groupStructureHits(groups: ExtGroups, index: QueryIndex): { structures: StructureHit[]; inodeTables: InodeTableHit[] } {
  const { sb } = groups;
  const blockBytes = sb.blockSizeBytes;
  const structures: StructureHit[] = [];
  const inodeTables: InodeTableHit[] = [];
  const hitsOf = (start: number, count: number) => index.hits(start * blockBytes, (start + count) * blockBytes);
  for (let group = 0; group < sb.groupCount; group++) {
    const first = groupFirstBlock(sb, group);
    const withSuper = hasSuperblock(sb, group);
    forEachSuperAndDescriptorRun(sb, group, (start, count) => {
      for (const hit of hitsOf(start, count)) structures.push({ hit, name: superOrDescriptorName(sb, group, first, withSuper, hit) });
    });
    for (const hit of hitsOf(groups.blockBitmap[group] ?? 0, 1)) structures.push({ hit, name: `ext4 block bitmap of group ${group}` });
    for (const hit of hitsOf(groups.inodeBitmap[group] ?? 0, 1)) structures.push({ hit, name: `ext4 inode bitmap of group ${group}` });
    const tableStart = (groups.inodeTable[group] ?? 0) * blockBytes;
    for (const hit of hitsOf(groups.inodeTable[group] ?? 0, sb.inodeTableBlocks)) {
      const firstIndex = Math.floor((hit.startBytes - tableStart) / sb.inodeSizeBytes);
      const lastIndex = Math.min(sb.inodesPerGroup, Math.ceil((hit.endBytes - tableStart) / sb.inodeSizeBytes)) - 1;
      if (lastIndex < firstIndex) continue;
      const base = group * sb.inodesPerGroup + 1;
      inodeTables.push({ query: hit.query, group, firstInode: base + firstIndex, lastInode: base + lastIndex });
    }
  }
  return { structures, inodeTables };
}

function superOrDescriptorName(sb: ExtSuperblock, group: number, first: number, withSuper: boolean, hit: QueryHit): string {
  const block = Math.floor(hit.startBytes / sb.blockSizeBytes);
  const where = group === 0 ? '' : ` (backup in group ${group})`;
  if (block < first) return 'ext4 boot block';
  if (withSuper && block === first) {
    // With 1 KiB blocks the superblock has its own block; otherwise block 0 starts with the boot sector.
    if (group === 0 && first === 0 && hit.endBytes <= SUPERBLOCK_OFFSET_BYTES) return 'boot sector area before the ext4 superblock';
    return `ext4 superblock${where}`;
  }
  const descriptorIndex = block - first - (withSuper ? 1 : 0);
  return descriptorIndex < sb.descBlocks ? `ext4 group descriptor table${where}` : `ext4 reserved group descriptor blocks${where}`;
}
