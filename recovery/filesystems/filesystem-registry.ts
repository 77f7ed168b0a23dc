import type { ByteSource } from '../core/byte-source.js';
import { LifeboatError, isLifeboatError } from '../core/errors.js';
import { detectOnlyProbers } from './detect-only-probers.js';
import { exfatProber, exfatUsedBlocks } from './exfat/index.js';
import { extProber, extUsedBlocks } from './ext/index.js';
import { fatProber, fatUsedBlocks } from './fat/index.js';
import type { FilesystemInfo, FilesystemType, Prober, UsedBlockMapper } from './filesystem-types.js';
import { ntfsProber, ntfsUsedClusters } from './ntfs/index.js';

/**
 * Formats that hold other data inside (RAID members, encrypted volumes, LVM PVs). One of these
 * wins at once over any filesystem signature, because a RAID1 member or an LVM PV often begins
 * with the filesystem it carries, and mapping that filesystem would copy a fraction of the member.
 */
const CONTAINERS = new Set<FilesystemType>(['linux_raid_member', 'crypto_LUKS', 'LVM2_member', 'BitLocker']);

/** Every prober, containers first (blkid's order), FAT last because its signature is the weakest. */
export const PROBERS: readonly Prober[] = [
  ...detectOnlyProbers.filter((p) => CONTAINERS.has(p.type)),
  ntfsProber,
  exfatProber,
  extProber,
  ...detectOnlyProbers.filter((p) => !CONTAINERS.has(p.type)),
  fatProber,
];

const MAPPERS: Partial<Record<FilesystemType, UsedBlockMapper>> = {
  ntfs: ntfsUsedClusters,
  ext2: extUsedBlocks,
  ext3: extUsedBlocks,
  ext4: extUsedBlocks,
  vfat: fatUsedBlocks,
  exfat: exfatUsedBlocks,
};

/** The used-block mapper for a type, or null when Lifeboat copies that type whole. */
export function mapperFor(type: FilesystemType): UsedBlockMapper | null {
  return MAPPERS[type] ?? null;
}

/**
 * Which filesystem a partition holds, or null when none Lifeboat knows. Runs every prober, because
 * a partition reformatted without wiping can carry two signatures: then Lifeboat cannot know which
 * is real and says so (CORRUPT_FILESYSTEM), and a capture copies the partition whole, as blkid's
 * "ambivalent result" would. A prober that finds its magic but damaged metadata only decides the
 * answer when no other prober matched.
 */
export async function probeFilesystem(source: ByteSource): Promise<FilesystemInfo | null> {
  const found: FilesystemInfo[] = [];
  let damaged: LifeboatError | null = null;
  for (const prober of PROBERS) {
    let info: FilesystemInfo | null;
    try {
      info = await prober.probe(source);
    } catch (error) {
      if (!isLifeboatError(error)) throw error;
      damaged ??= error;
      continue;
    }
    if (info === null) continue;
    if (CONTAINERS.has(info.type)) return info;
    found.push(info);
  }
  const [first, ...others] = found;
  if (first === undefined) {
    if (damaged) throw damaged;
    return null;
  }
  if (others.length > 0) {
    const names = found.map((f) => f.type).join(' and ');
    throw new LifeboatError(
      'CORRUPT_FILESYSTEM',
      `The partition carries signatures of ${names}; Lifeboat cannot tell which one is real, so it will copy the partition whole. If you know the stale one, remove it with wipefs.`,
    );
  }
  return first;
}
