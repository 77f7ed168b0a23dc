/**
 * Types of the JSON-lines protocol spoken with the native helper.
 * docs/helper-protocol.md is the contract; keep the two in step.
 */
export const PROTOCOL_VERSION = 1;

/** A partition as the operating system sees it. */
export interface HelperPartition {
  name: string;
  path: string;
  major: number;
  minor: number;
  number: number;
  startBytes: number;
  sizeBytes: number;
  /** `0x83` for MBR, a lower-case GUID for GPT; null when the OS does not say. */
  type: string | null;
  uuid: string | null;
  label: string | null;
  readOnly: boolean;
  mountpoints: string[];
  holders: string[];
}

export type Transport = 'usb' | 'ata' | 'nvme' | 'scsi' | 'virtio' | 'mmc' | 'loop' | 'unknown';

/** A whole disk as the operating system sees it. */
export interface HelperDisk {
  name: string;
  path: string;
  major: number;
  minor: number;
  sizeBytes: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
  model: string | null;
  vendor: string | null;
  serial: string | null;
  wwn: string | null;
  transport: Transport;
  removable: boolean;
  rotational: boolean;
  readOnly: boolean;
  discardGranularityBytes: number;
  discardMaxBytes: number;
  loopBackingFile: string | null;
  partitionTableType: 'gpt' | 'dos' | null;
  partitions: HelperPartition[];
  mountpoints: string[];
  holders: string[];
  isSystem: boolean;
  isBootMedium: boolean;
}

/** A partition the caller knows the on-disk table now holds (for re-reading it). */
export interface PartitionExtent {
  number: number;
  startBytes: number;
  sizeBytes: number;
}

export interface HelperErrorBody {
  code: number;
  name: string;
  message: string;
  errno: number;
  device?: string;
}

export type HelperAnswer = { id: number | string | null; ok: true; result: unknown } | { id: number | string | null; ok: false; error: HelperErrorBody };

export interface VersionResult {
  helper: string;
  protocol: number;
  platform: string;
}

export interface InfoResult {
  disk: HelperDisk;
  partition?: HelperPartition;
}

export interface RereadResult {
  /** Linux: BLKRRPART, or BLKPG when the kernel needed telling; Windows: IOCTL_DISK_UPDATE_PROPERTIES. */
  method: 'blkrrpart' | 'blkpg' | 'update-properties';
  added: number[];
  removed: number[];
  partitions: HelperPartition[];
}

/**
 * The answer of lock-volumes and unlock-volumes: the volumes (`\\?\Volume{...}\`) the helper now
 * holds locked and dismounted, or has just released. Always empty on Linux, where the client
 * opens the disk with O_EXCL instead.
 */
export interface VolumesResult {
  volumes: string[];
}

export interface CodeEntry {
  code: number;
  name: string;
  message: string;
}
