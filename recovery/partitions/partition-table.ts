/**
 * What Lifeboat knows about a disk's partition table. Everything here is plain data (numbers,
 * strings, arrays): it can be printed as JSON, stored in a snapshot and compared in tests. The
 * raw bytes the writers need travel separately, as `MetadataBytes` (see read-metadata-areas.ts),
 * because a capture stores them once as bytes rather than inside the JSON.
 */

export type PartitionScheme = 'mbr' | 'gpt' | 'none';

export interface PartitionTable {
  scheme: PartitionScheme;
  sectorSizeBytes: number;
  diskSizeBytes: number;
  /** Whole logical sectors on the disk; a trailing partial sector is not addressable. */
  diskSectors: number;
  /** The MBR in LBA 0 when there is one: a real table, or the protective/hybrid MBR of a GPT disk. */
  mbr: MbrTable | null;
  gpt: GptTable | null;
  /** Every partition the way Linux numbers them, in number order. Consumers need only this list. */
  partitions: Partition[];
  /** The byte ranges that hold the table itself; a capture stores them and a restore writes them back in place. */
  metadataAreas: MetadataArea[];
  /** Ranges outside every partition and outside the table (boot loaders such as GRUB's core.img live there). */
  gaps: Gap[];
  /** Things a technician should know that did not stop the parse (truncated image, overlaps, an EBR cycle...). */
  warnings: string[];
}

export interface Partition {
  /** As Linux numbers it: GPT entry index + 1; MBR slots 1–4; logical partitions 5, 6, ... */
  number: number;
  startBytes: number;
  sizeBytes: number;
  /** MBR: the type byte as '0x83' (two lower-case hex digits); GPT: the type GUID in lower case. */
  type: string;
  typeName: string;
  /** The GPT partition name, or null on MBR disks. */
  name: string | null;
  /** As blkid prints PARTUUID: the GPT unique GUID, or `<disk signature>-<number in 2 hex digits>` on MBR (null when the signature is 0). */
  uuid: string | null;
  bootable: boolean;
  kind: 'primary' | 'extended' | 'logical' | 'gpt';
}

export interface MbrEntry {
  /** 1–4 for the primary slots; for logical partitions their Linux number (5+). */
  number: number;
  /** The raw status byte (0x80 = active/bootable, 0x00 = not). */
  status: number;
  bootable: boolean;
  typeByte: number;
  /** Absolute LBA (EBR-relative starts are already resolved for logical partitions). */
  startLba: number;
  sectors: number;
}

export interface LogicalEntry extends MbrEntry {
  /** The LBA of the EBR that describes this partition. */
  ebrLba: number;
}

export interface MbrTable {
  /** The 32-bit disk signature at byte 440 as 8 lower-case hex digits (blkid's PTUUID). */
  diskSignature: string;
  /** Always four, in slot order; an unused slot has typeByte 0 and sectors 0. */
  entries: MbrEntry[];
  /** Only a 0xEE entry: the MBR exists to protect a GPT. */
  protective: boolean;
  /** A 0xEE entry plus real entries (sgdisk -h); the GPT is authoritative, the MBR is kept as is. */
  hybrid: boolean;
  logicals: LogicalEntry[];
  /** Every EBR sector visited, in chain order, including EBRs that describe no partition. */
  ebrLbas: number[];
}

export interface GptHeader {
  revision: number;
  headerSizeBytes: number;
  headerCrc32: number;
  myLba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySizeBytes: number;
  entriesCrc32: number;
}

export interface GptEntry {
  /** 0-based slot in the entries array; Linux numbers the partition index + 1. */
  index: number;
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  lastLba: number;
  /** The 64-bit attribute field as '0x' + 16 lower-case hex digits (JSON has no 64-bit integers). */
  attributes: string;
  name: string;
}

export interface GptTable {
  /** Which copy the partitions come from. */
  source: 'primary' | 'backup';
  /** What is wrong with the primary copy, as a sentence, or null when it is intact. */
  primaryProblem: string | null;
  backupProblem: string | null;
  diskGuid: string;
  firstUsableLba: number;
  lastUsableLba: number;
  /** The header the partitions come from. */
  header: GptHeader;
  primary: GptHeader | null;
  backup: GptHeader | null;
  /** Used entries only (type GUID not all zero), in slot order. */
  entries: GptEntry[];
}

export type MetadataKind = 'mbr' | 'ebr' | 'gpt-primary-header' | 'gpt-primary-entries' | 'gpt-backup-entries' | 'gpt-backup-header';

export interface MetadataArea {
  kind: MetadataKind;
  offsetBytes: number;
  sizeBytes: number;
  /** False for a damaged GPT copy: the range is where it belongs, but its bytes failed validation. */
  intact: boolean;
}

export interface Gap {
  offsetBytes: number;
  sizeBytes: number;
  /** Before the first partition (where boot loaders hide), between two partitions, or after the last one. */
  position: 'leading' | 'between' | 'trailing';
}

/** One write a restore performs: whole sectors at a sector-aligned offset. */
export interface PlannedWrite {
  offsetBytes: number;
  bytes: Uint8Array;
  /** What the bytes are, for logs and progress. */
  what: string;
}
