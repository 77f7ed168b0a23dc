import type { ByteSource } from '../core/byte-source.js';
import { isLifeboatError } from '../core/errors.js';
import { mapperFor, probeFilesystem } from './filesystem-registry.js';
import type { FilesystemAnalysis, FilesystemInfo } from './filesystem-types.js';
import { swapHeaderSizeBytes } from './swap/swap-probe.js';
import { leadingBytesMap } from './whole-map.js';

const ENCRYPTED = new Set(['crypto_LUKS', 'BitLocker']);
const CONTAINERS = new Set(['LVM2_member', 'linux_raid_member']);

/**
 * What a partition holds and which of its blocks a capture must copy. Never throws for a damaged
 * or unknown filesystem: that partition is copied whole and `reason` says why, because copying
 * too much is slow but copying too little loses data.
 */
export async function analyzePartition(source: ByteSource): Promise<FilesystemAnalysis> {
  let info: FilesystemInfo | null;
  try {
    info = await probeFilesystem(source);
  } catch (error) {
    if (!isLifeboatError(error)) throw error;
    return whole(source, null, `its filesystem could not be read (${error.message}); every block is copied`);
  }
  if (info === null) return whole(source, null, 'no filesystem Lifeboat knows was found; every block is copied');
  if (info.type === 'swap') {
    return {
      info,
      map: leadingBytesMap(source.sizeBytes, swapHeaderSizeBytes(info)),
      coverage: 'header',
      reason: 'swap holds nothing worth keeping; only its header is copied',
    };
  }
  const mapper = mapperFor(info.type);
  if (mapper === null) {
    if (ENCRYPTED.has(info.type)) return whole(source, info, `it is encrypted (${info.type}); every block is copied as it is`);
    if (CONTAINERS.has(info.type))
      return whole(source, info, `it is a ${info.type === 'LVM2_member' ? 'LVM physical volume' : 'RAID member'}; every block is copied`);
    return whole(source, info, `Lifeboat has no used-block map for ${info.type}; every block is copied`);
  }
  try {
    return { info, map: await mapper(source, info), coverage: 'filesystem', reason: null };
  } catch (error) {
    if (!isLifeboatError(error)) throw error;
    return whole(source, info, `its ${info.type} allocation data is damaged (${error.message}); every block is copied`);
  }
}

function whole(source: ByteSource, info: FilesystemInfo | null, reason: string): FilesystemAnalysis {
  return { info, map: leadingBytesMap(source.sizeBytes), coverage: 'whole', reason: `This partition is copied whole: ${reason}.` };
}
