/**
 * Which sectors of a FAT12/16/32 volume hold data. The block is the logical sector, as in
 * partclone.fat, so the two maps can be compared bit for bit:
 *   - the reserved sectors (boot sector, FSInfo, backup boot sector), every FAT copy and the fixed
 *     FAT12/16 root directory;
 *   - every cluster whose FAT entry is neither free nor bad;
 *   - the sectors after the last whole cluster up to the volume's end. No file can live there, but
 *     partclone copies them and they are fewer than one cluster.
 * Sectors of the partition beyond the volume's own size are not used.
 */
import { BlockRangesBuilder } from '../../core/block-ranges.js';
import type { ByteSource } from '../../core/byte-source.js';
import type { UsedBlockMap, UsedBlockMapper } from '../filesystem-types.js';
import { readFatGeometry, type FatGeometry } from './fat-boot-sector.js';
import { fatCorrupt, filesystemTruncated } from './fat-errors.js';
import { forEachUsedClusterRun } from './fat-table.js';

/** Sectors past the last whole cluster: used, as partclone counts them. */
function tailSectors(geometry: FatGeometry): { start: number; count: number } {
  const start = geometry.dataStartSector + geometry.clusterCount * geometry.sectorsPerCluster;
  return { start, count: geometry.totalSectors - start };
}

/** Sectors in use given the number of used clusters (what partclone calls used blocks). */
export function fatUsedSectors(geometry: FatGeometry, usedClusters: number): number {
  return geometry.dataStartSector + usedClusters * geometry.sectorsPerCluster + tailSectors(geometry).count;
}

/** The used-sector map of a volume whose boot sector is already parsed. */
export async function mapFatGeometry(source: ByteSource, geometry: FatGeometry): Promise<UsedBlockMap> {
  const blockSizeBytes = geometry.bytesPerSector;
  const totalBlocks = Math.ceil(source.sizeBytes / blockSizeBytes);
  if (geometry.totalSectors * blockSizeBytes > source.sizeBytes) {
    throw filesystemTruncated('FAT', geometry.totalSectors * blockSizeBytes, source.sizeBytes);
  }
  const builder = new BlockRangesBuilder(totalBlocks);
  builder.add(0, geometry.dataStartSector);
  const { dataStartSector, sectorsPerCluster } = geometry;
  await forEachUsedClusterRun(source, geometry, (firstCluster, count) => {
    builder.add(dataStartSector + (firstCluster - 2) * sectorsPerCluster, count * sectorsPerCluster);
  });
  const tail = tailSectors(geometry);
  builder.add(tail.start, tail.count);
  return { blockSizeBytes, totalBlocks, used: builder.build() };
}

/** UsedBlockMapper for vfat: block = logical sector, block 0 = the boot sector. */
export const fatUsedBlocks: UsedBlockMapper = async (source) => {
  const geometry = await readFatGeometry(source);
  if (geometry === null) throw fatCorrupt('The partition no longer holds a FAT boot sector, so its used sectors cannot be read');
  return mapFatGeometry(source, geometry);
};
