/**
 * The NTFS prober: boot sector, then $Volume (label, dirty flag) and $Bitmap (used bytes).
 * blkid reports NTFS's label from $VOLUME_NAME and its UUID as the 64-bit volume serial number
 * in 16 upper-case hex digits; Lifeboat reports the same so the two can be compared.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { countSetBits, readClusterBitmap } from './ntfs-bitmap.js';
import { attributesNamed, VOLUME_INFORMATION, VOLUME_NAME } from './ntfs-attributes.js';
import { BOOT_SECTOR_BYTES, hasNtfsOemId, NTFS_OEM_ID, NTFS_OEM_OFFSET } from './ntfs-boot-sector.js';
import { NtfsVolume, VOLUME_RECORD } from './ntfs-volume.js';

/** $VOLUME_INFORMATION flag: Windows sets it while mounted and clears it on a clean unmount. */
const VOLUME_IS_DIRTY = 0x0001;

export interface VolumeState {
  label: string | null;
  /** null when $Volume has no $VOLUME_INFORMATION, so the state is unknown. */
  dirty: boolean | null;
}

/** Label and dirty flag from $Volume (record 3). */
export async function readVolumeState(volume: NtfsVolume): Promise<VolumeState> {
  const record = await volume.readRecord(VOLUME_RECORD);
  const name = attributesNamed(record, VOLUME_NAME)[0]?.value;
  // An odd byte at the end cannot be part of a UTF-16 character; blkid drops it too.
  const label = name ? new TextDecoder('utf-16le').decode(name.subarray(0, name.length & ~1)) : '';
  const information = attributesNamed(record, VOLUME_INFORMATION)[0]?.value;
  const dirty = information && information.length >= 12 ? (dataView(information).getUint16(10, true) & VOLUME_IS_DIRTY) !== 0 : null;
  return { label: label === '' ? null : label, dirty };
}

export const ntfsProber: Prober = {
  type: 'ntfs',
  magics: [{ offsetBytes: NTFS_OEM_OFFSET, bytes: magic(NTFS_OEM_ID) }],
  async probe(source: ByteSource): Promise<FilesystemInfo | null> {
    if (source.sizeBytes < BOOT_SECTOR_BYTES) return null;
    if (!hasNtfsOemId(await source.readAt(0, BOOT_SECTOR_BYTES))) return null;
    const volume = await NtfsVolume.open(source);
    const state = await readVolumeState(volume);
    let usedClusters = 0;
    await readClusterBitmap(volume, (bits, _firstCluster, bitCount) => {
      usedClusters += countSetBits(bits, bitCount);
    });
    return ntfsInfo(volume, state, usedClusters);
  },
};

/** The description of an opened volume, given $Volume's state and $Bitmap's set bits. */
export function ntfsInfo(volume: NtfsVolume, state: VolumeState, usedClusters: number): FilesystemInfo {
  const { geometry } = volume;
  return {
    type: 'ntfs',
    version: null,
    label: state.label,
    uuid: geometry.serialNumber,
    // The volume plus the backup boot sector in the sector after it: what a partition must
    // hold for the filesystem to be complete.
    sizeBytes: (geometry.totalSectors + 1) * geometry.bytesPerSector,
    blockSizeBytes: geometry.clusterSizeBytes,
    usedBytes: usedClusters * geometry.clusterSizeBytes,
    dirty: state.dirty,
    dirtyReason: state.dirty ? 'volume dirty flag set' : null,
  };
}
