/** NTFS: the prober and the used-cluster mapper. */
export { ntfsProber, ntfsInfo, readVolumeState, type VolumeState } from './ntfs-probe.js';
export { ntfsUsedClusters, mapNtfsVolume } from './ntfs-used-clusters.js';
export { NtfsVolume } from './ntfs-volume.js';
export { parseNtfsBootSector, hasNtfsOemId, type NtfsGeometry } from './ntfs-boot-sector.js';
