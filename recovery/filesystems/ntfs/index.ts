/** NTFS: the prober, the used-cluster mapper, and both in one pass for benchmarks. */
import type { ByteSource } from '../../core/byte-source.js';
import type { FilesystemInfo, UsedBlockMap } from '../filesystem-types.js';
import { countSetBits } from './ntfs-bitmap.js';
import { ntfsInfo, readVolumeState } from './ntfs-probe.js';
import { mapNtfsVolume } from './ntfs-used-clusters.js';
import { NtfsVolume } from './ntfs-volume.js';

export { ntfsProber, ntfsInfo, readVolumeState, type VolumeState } from './ntfs-probe.js';
export { ntfsUsedClusters, mapNtfsVolume } from './ntfs-used-clusters.js';
export { NtfsVolume } from './ntfs-volume.js';
export { parseNtfsBootSector, hasNtfsOemId, type NtfsGeometry } from './ntfs-boot-sector.js';

/**
 * Probes and maps with one read of $MFT and $Bitmap (what a benchmark times). A source that is
 * not NTFS is CORRUPT_FILESYSTEM here, like any damage.
 */
export async function analyzeNtfs(source: ByteSource): Promise<{ info: FilesystemInfo; map: UsedBlockMap }> {
  const volume = await NtfsVolume.open(source);
  const state = await readVolumeState(volume);
  let usedClusters = 0;
  const map = await mapNtfsVolume(volume, (bits, _firstCluster, bitCount) => {
    usedClusters += countSetBits(bits, bitCount);
  });
  return { info: ntfsInfo(volume, state, usedClusters), map };
}
