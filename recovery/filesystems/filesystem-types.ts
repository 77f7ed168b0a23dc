import type { BlockRanges } from '../core/block-ranges.js';
import type { ByteSource } from '../core/byte-source.js';

/** Filesystem and container names, spelled as blkid's TYPE so the two can be compared directly. */
export type FilesystemType =
  | 'ntfs'
  | 'ext2'
  | 'ext3'
  | 'ext4'
  | 'vfat'
  | 'exfat'
  | 'btrfs'
  | 'xfs'
  | 'swap'
  | 'crypto_LUKS'
  | 'BitLocker'
  | 'LVM2_member'
  | 'linux_raid_member'
  | 'iso9660'
  | 'hfsplus'
  | 'apfs';

/** What a prober learned from a filesystem's own metadata. */
export interface FilesystemInfo {
  type: FilesystemType;
  /** A sub-version where it matters: FAT12/FAT16/FAT32, LUKS "1"/"2", RAID metadata "1.2"... (blkid's VERSION). */
  version: string | null;
  label: string | null;
  /** Formatted as blkid prints it (for example 1234-ABCD for FAT, 16 hex digits for NTFS). */
  uuid: string | null;
  /** Size the filesystem says it has; may be smaller than the partition. */
  sizeBytes: number | null;
  /** The unit the filesystem allocates in (cluster size for NTFS, FAT and exFAT). */
  blockSizeBytes: number | null;
  /** Bytes in use, for filesystems Lifeboat can map (ntfs, ext*, vfat, exfat); null otherwise. */
  usedBytes: number | null;
  /** True when marked dirty or needing journal recovery; null when the filesystem does not say. */
  dirty: boolean | null;
  /** Why it is dirty, in words ("needs journal recovery", "volume dirty flag set"). */
  dirtyReason: string | null;
}

/**
 * One prober per filesystem, libblkid style: where its magic is, and a probe that answers with
 * the filesystem's description, null for "not this one", or throws a LifeboatError when the
 * magic matches but the metadata is damaged.
 */
export interface Prober {
  readonly type: FilesystemType;
  /** Byte offsets (from the start of the partition) and the bytes that must be there. */
  readonly magics: ReadonlyArray<{ offsetBytes: number; bytes: Uint8Array }>;
  probe(source: ByteSource): Promise<FilesystemInfo | null>;
}

/** Which blocks of a partition hold data, at the filesystem's block granularity. */
export interface UsedBlockMap {
  /** Block 0 starts at byte 0 of the partition. */
  blockSizeBytes: number;
  /** Blocks the partition holds (the last may be partial when the size is not a multiple). */
  totalBlocks: number;
  used: BlockRanges;
}

/** Reads a filesystem's allocation metadata and returns the blocks in use. */
export type UsedBlockMapper = (source: ByteSource, info: FilesystemInfo) => Promise<UsedBlockMap>;

/** The outcome of looking at one partition: what it is and what must be copied. */
export interface FilesystemAnalysis {
  info: FilesystemInfo | null;
  map: UsedBlockMap;
  /**
   * 'filesystem': only blocks the filesystem uses; 'whole': every block (unknown, encrypted or
   * damaged: see reason); 'header': only the header (swap).
   */
  coverage: 'filesystem' | 'whole' | 'header';
  /** Why the partition is copied whole or header-only, in words a person can read. */
  reason: string | null;
}

/** Text helpers shared by probers. */
export function ascii(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

export function magic(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
