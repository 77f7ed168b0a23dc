/**
 * The FAT12/16/32 prober (blkid TYPE "vfat"). Type, version, label and UUID follow blkid 2.38;
 * used bytes come from the same FAT scan as the used-block map, so they agree with partclone.
 */
import type { ByteSource } from '../../core/byte-source.js';
import type { FilesystemInfo, Prober } from '../filesystem-types.js';
import { magic } from '../filesystem-types.js';
import { readFatGeometry, type FatGeometry } from './fat-boot-sector.js';
import { readFatRootLabel } from './fat-root-label.js';
import { forEachUsedClusterRun, readFatEntry } from './fat-table.js';
import { fatUsedSectors } from './fat-used-blocks.js';

/**
 * Why the volume is not clean, or null. fsck.fat reports "Dirty bit is set" for either the boot
 * sector's dirty bit (set by Linux while mounted) or a clear "clean" flag in FAT entry 1 (FAT16
 * bit 15, FAT32 bit 27, set by Windows); partclone.fat refuses the latter ("Filesystem isn't in
 * valid state"), and also a clear "no disk errors" flag (bit 14 / bit 26).
 */
export async function fatDirtyReason(source: ByteSource, geometry: FatGeometry): Promise<string | null> {
  const reasons: string[] = [];
  if (geometry.bootDirty) reasons.push("the boot sector's dirty bit is set (not cleanly unmounted)");
  if (geometry.version !== 'FAT12') {
    const flags = await readFatEntry(source, geometry, 1);
    const shift = geometry.version === 'FAT16' ? 0 : 12;
    if (!(flags & (0x8000 << shift))) reasons.push('FAT entry 1 says the volume was not cleanly unmounted');
    if (!(flags & (0x4000 << shift))) reasons.push('FAT entry 1 records disk errors');
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}

async function probe(source: ByteSource): Promise<FilesystemInfo | null> {
  const geometry = await readFatGeometry(source);
  if (geometry === null) return null;
  const label = await readFatRootLabel(source, geometry);
  const dirtyReason = await fatDirtyReason(source, geometry);
  const usedClusters = await forEachUsedClusterRun(source, geometry, () => {});
  return {
    type: 'vfat',
    version: geometry.version,
    label,
    uuid: geometry.serial,
    sizeBytes: geometry.totalSectors * geometry.bytesPerSector,
    blockSizeBytes: geometry.clusterSizeBytes,
    usedBytes: fatUsedSectors(geometry, usedClusters) * geometry.bytesPerSector,
    dirty: dirtyReason !== null,
    dirtyReason,
  };
}

/** blkid's magics for vfat; the last three are weak and the probe checks the whole BPB behind them. */
export const fatProber: Prober = {
  type: 'vfat',
  magics: [
    { offsetBytes: 0x52, bytes: magic('MSWIN') },
    { offsetBytes: 0x52, bytes: magic('FAT32   ') },
    { offsetBytes: 0x36, bytes: magic('MSDOS') },
    { offsetBytes: 0x36, bytes: magic('FAT16   ') },
    { offsetBytes: 0x36, bytes: magic('FAT12   ') },
    { offsetBytes: 0x36, bytes: magic('FAT     ') },
    { offsetBytes: 0, bytes: new Uint8Array([0xeb]) },
    { offsetBytes: 0, bytes: new Uint8Array([0xe9]) },
    { offsetBytes: 0x1fe, bytes: new Uint8Array([0x55, 0xaa]) },
  ],
  probe,
};
