/** ext2/ext3/ext4: the prober and the used-block mapper. */
export { extProber, extType, extDirtyReason, extInfo } from './ext-probe.js';
export { extUsedBlocks, mapExtSuperblock } from './ext-used-blocks.js';
export { parseSuperblock, readSuperblock, type ExtSuperblock } from './ext-superblock.js';
