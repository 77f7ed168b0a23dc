/** exFAT: the prober and the used-sector mapper. */
export { exfatProber, exfatDirtyReason } from './exfat-probe.js';
export { exfatUsedBlocks, mapExfat } from './exfat-used-blocks.js';
export { readExfatGeometry, parseExfatBootSector, bootRegionChecksum, type ExfatGeometry } from './exfat-boot-sector.js';
export { readExfatRootDirectory, type ExfatRootDirectory } from './exfat-root-directory.js';
