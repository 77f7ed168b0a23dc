/** ext2/ext3/ext4: the prober, the used-block mapper, and both in one call for benchmarks. */
import type { ByteSource } from '../../core/byte-source.js';
import { LifeboatError } from '../../core/errors.js';
import type { FilesystemInfo, UsedBlockMap } from '../filesystem-types.js';
import { extInfo } from './ext-probe.js';
import { readSuperblock } from './ext-superblock.js';
import { mapExtSuperblock } from './ext-used-blocks.js';

export { extProber, extType, extDirtyReason, extInfo } from './ext-probe.js';
export { extUsedBlocks, mapExtSuperblock } from './ext-used-blocks.js';
export { parseSuperblock, readSuperblock, type ExtSuperblock } from './ext-superblock.js';

/** Probes and maps in one pass over the superblock (what `npm run bench` times). */
export async function analyzeExt(source: ByteSource): Promise<{ info: FilesystemInfo; map: UsedBlockMap }> {
  const sb = await readSuperblock(source);
  if (sb === null) throw new LifeboatError('CORRUPT_FILESYSTEM', 'The source holds no ext2/3/4 superblock (no 0xEF53 magic at byte 1080); it is not an ext filesystem.');
  return { info: extInfo(sb), map: await mapExtSuperblock(source, sb) };
}
