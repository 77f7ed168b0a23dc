/**
 * The exFAT prober (blkid TYPE "exfat"): label from the root directory, UUID from the volume
 * serial number and VERSION from the revision, as blkid prints them; used bytes from the
 * allocation bitmap, counted the way the used-block map counts them.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { activeBitmap, forEachAllocatedClusterRun } from './exfat-bitmap.js';
import { EXFAT_NAME, readExfatGeometry, type ExfatGeometry } from './exfat-boot-sector.js';
import { readExfatRootDirectory } from './exfat-root-directory.js';

const VOLUME_DIRTY = 0x2;
const MEDIA_FAILURE = 0x4;

/** Why the volume is not clean, or null. */
export function exfatDirtyReason(geometry: ExfatGeometry): string | null {
  const reasons: string[] = [];
  if (geometry.volumeFlags & VOLUME_DIRTY) reasons.push('the volume dirty flag is set (not cleanly unmounted)');
  if (geometry.volumeFlags & MEDIA_FAILURE) reasons.push('the media failure flag is set (the disk reported errors)');
  if (geometry.bootRegionNote !== null) reasons.push(geometry.bootRegionNote);
  return reasons.length === 0 ? null : reasons.join('; ');
}

async function probe(source: ByteSource): Promise<FilesystemInfo | null> {
  const geometry = await readExfatGeometry(source);
  if (geometry === null) return null;
  const root = await readExfatRootDirectory(source, geometry);
  const usedClusters = await forEachAllocatedClusterRun(source, geometry, activeBitmap(geometry, root.bitmaps), () => {});
  const dirtyReason = exfatDirtyReason(geometry);
  return {
    type: 'exfat',
    version: geometry.revision,
    label: root.label,
    uuid: geometry.serial,
    sizeBytes: geometry.volumeLengthSectors * geometry.bytesPerSector,
    blockSizeBytes: geometry.clusterSizeBytes,
    // The same sectors the used-block map holds: everything before the heap plus allocated clusters.
    usedBytes: (geometry.clusterHeapOffsetSectors + usedClusters * geometry.sectorsPerCluster) * geometry.bytesPerSector,
    dirty: dirtyReason !== null,
    dirtyReason,
  };
}

export const exfatProber: Prober = {
  type: 'exfat',
  magics: [{ offsetBytes: 3, bytes: magic(EXFAT_NAME) }],
  probe,
};
