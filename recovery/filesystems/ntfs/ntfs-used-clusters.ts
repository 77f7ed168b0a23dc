/**
 * NTFS used-cluster map: $Bitmap's set bits, plus what $Bitmap does not describe but a restore
 * needs: the backup boot sector, which lives in the sector after the volume (the partition's
 * last sector) and so outside every cluster $Bitmap counts.
 */
import { BlockRangesBuilder } from '../../core/block-ranges.js';
import type { ByteSource } from '../../core/byte-source.js';
import type { FilesystemInfo, UsedBlockMap, UsedBlockMapper } from '../filesystem-types.js';
import { readClusterBitmap, type BitmapVisitor } from './ntfs-bitmap.js';
import type { DataRun } from './data-runs.js';
import { NtfsVolume } from './ntfs-volume.js';

/**
 * Blocks are clusters, numbered from the start of the partition, and cover the whole source
 * (the last block may be partial). Also marked used, though a sound $Bitmap already has them:
 * cluster 0 (the boot sector), $MFT's runs and $Bitmap's runs, because Lifeboat just read them
 * and a map that dropped them would make an unrestorable image.
 */
export const ntfsUsedClusters: UsedBlockMapper = async (source: ByteSource, _info: FilesystemInfo): Promise<UsedBlockMap> => {
  return mapNtfsVolume(await NtfsVolume.open(source));
};

/** The map of an opened volume; `alsoVisit` sees each piece of $Bitmap too (to count used clusters in the same pass). */
export async function mapNtfsVolume(volume: NtfsVolume, alsoVisit?: BitmapVisitor): Promise<UsedBlockMap> {
  const { clusterSizeBytes, totalSectors, bytesPerSector } = volume.geometry;
  const sourceBytes = volume.source.sizeBytes;
  const totalBlocks = Math.ceil(sourceBytes / clusterSizeBytes);
  const builder = new BlockRangesBuilder(totalBlocks);
  const bitmapRuns = await readClusterBitmap(volume, (bits, firstCluster, bitCount) => {
    builder.addBitmap(bits, firstCluster, bitCount);
    alsoVisit?.(bits, firstCluster, bitCount);
  });

  builder.add(0, 1);
  addRuns(builder, volume.mftRuns);
  addRuns(builder, bitmapRuns);
  // The backup boot sector: NTFS keeps it in the sector just past the volume, which is the
  // partition's last sector when the volume fills the partition. Mark both places in case a
  // partition was grown without growing the volume.
  const backupBootByte = totalSectors * bytesPerSector;
  if (backupBootByte < sourceBytes) builder.add(Math.floor(backupBootByte / clusterSizeBytes), 1);
  if (sourceBytes > 0) builder.add(totalBlocks - 1, 1);
  return { blockSizeBytes: clusterSizeBytes, totalBlocks, used: builder.build() };
}

function addRuns(builder: BlockRangesBuilder, runs: readonly DataRun[]): void {
  for (const run of runs) if (run.lcn !== null) builder.add(run.lcn, run.lengthClusters);
}
