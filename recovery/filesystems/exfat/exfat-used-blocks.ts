/**
 * Which sectors of an exFAT volume hold data. The block is the sector, as in partclone.exfat:
 *   - everything before the cluster heap: both boot regions, the FAT(s) and the alignment gaps
 *     between them (partclone copies all of it; it is a few MiB at most);
 *   - every cluster set in the allocation bitmap that goes with the active FAT.
 * Sectors after the heap's last cluster hold nothing and are not used.
 */
import { BlockRangesBuilder } from '../../core/block-ranges.js';
import type { ByteSource } from '../../core/byte-source.js';
import type { UsedBlockMap, UsedBlockMapper } from '../filesystem-types.js';
import { exfatCorrupt, filesystemTruncated } from '../fat/fat-errors.js';
import { activeBitmap, forEachAllocatedClusterRun } from './exfat-bitmap.js';
import { readExfatGeometry, type ExfatGeometry } from './exfat-boot-sector.js';
import { readExfatRootDirectory, type ExfatRootDirectory } from './exfat-root-directory.js';

/** The used-sector map of a volume whose boot sector and root directory are already read. */
export async function mapExfat(source: ByteSource, geometry: ExfatGeometry, root: ExfatRootDirectory): Promise<UsedBlockMap> {
  const blockSizeBytes = geometry.bytesPerSector;
  const volumeBytes = geometry.volumeLengthSectors * blockSizeBytes;
  if (volumeBytes > source.sizeBytes) throw filesystemTruncated('exFAT', volumeBytes, source.sizeBytes);
  const bitmap = activeBitmap(geometry, root.bitmaps);
  const totalBlocks = Math.ceil(source.sizeBytes / blockSizeBytes);
  const builder = new BlockRangesBuilder(totalBlocks);
  const { clusterHeapOffsetSectors: heap, sectorsPerCluster } = geometry;
  builder.add(0, heap);
  await forEachAllocatedClusterRun(source, geometry, bitmap, (firstCluster, count) => {
    builder.add(heap + (firstCluster - 2) * sectorsPerCluster, count * sectorsPerCluster);
  });
  return { blockSizeBytes, totalBlocks, used: builder.build() };
}

/** UsedBlockMapper for exfat: block = sector, block 0 = the boot sector. */
export const exfatUsedBlocks: UsedBlockMapper = async (source) => {
  const geometry = await readExfatGeometry(source);
  if (geometry === null) throw exfatCorrupt('The partition no longer holds an exFAT boot sector, so its used sectors cannot be read');
  return mapExfat(source, geometry, await readExfatRootDirectory(source, geometry));
};
