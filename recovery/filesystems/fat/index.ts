/** FAT12/16/32: the prober and the used-sector mapper. */
export { fatProber, fatDirtyReason } from './fat-probe.js';
export { fatUsedBlocks, mapFatGeometry, fatUsedSectors } from './fat-used-blocks.js';
export { parseFatBootSector, readFatGeometry, fatSignature, type FatGeometry, type FatVersion } from './fat-boot-sector.js';
