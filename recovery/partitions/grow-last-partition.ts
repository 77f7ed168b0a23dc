/**
 * `restore --grow-last` on the table side: a copy of a captured table (and of its raw metadata
 * bytes) whose last partition ends at the end of a larger target. The end is aligned down to a
 * MiB, as parted and Windows leave it. GPT: up to the last usable LBA the target's backup GPT
 * leaves, entries CRC recomputed in both copies. MBR: a primary entry, or the last logical
 * partition together with its extended container, below the MBR's 2^32-sector limit.
 */
import { crc32 } from 'node:zlib';
import { dataView } from '../core/bytes.js';
import { LifeboatError } from '../core/errors.js';
import { entriesSectors } from './gpt-header.js';
import { isExtendedType } from './mbr.js';
import type { Partition, PartitionTable } from './partition-table.js';
import type { MetadataBytes } from './read-metadata-areas.js';

const MIB = 1024 * 1024;
const MBR_ENTRIES_OFFSET = 446;
const MBR_ENTRY_BYTES = 16;
const GPT_LAST_LBA_OFFSET = 40;
const MBR_MAX_SECTORS = 2 ** 32;

export interface GrownTable {
  table: PartitionTable;
  metadata: MetadataBytes[];
  /** The partition as captured. */
  partition: Partition;
  newSizeBytes: number;
  /** A sentence when something limited the growth (the MBR's 2 TiB limit). */
  note: string | null;
}

function cannotGrow(sentence: string): LifeboatError {
  return new LifeboatError('CANNOT_GROW', `${sentence} Nothing was written; restore without --grow-last, or choose another target.`);
}

/** The leaf partition that ends last: the only one that can grow into the new space. */
export function lastPartition(table: PartitionTable): Partition | null {
  const leaves = table.partitions.filter((p) => p.kind !== 'extended' && p.sizeBytes > 0);
  return leaves.reduce<Partition | null>((last, p) => (last === null || p.startBytes + p.sizeBytes > last.startBytes + last.sizeBytes ? p : last), null);
}

/** CHS bytes of an LBA as fdisk writes them (255 heads, 63 sectors), or "too big to say". */
function chsBytes(lba: number): [number, number, number] {
  const cylinder = Math.floor(lba / (255 * 63));
  if (cylinder >= 1024) return [0xfe, 0xff, 0xff];
  const head = Math.floor(lba / 63) % 255;
  const sector = (lba % 63) + 1;
  return [head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff];
}

function setMbrEntrySize(sector: Uint8Array, slot: number, absoluteStartLba: number, sectors: number): void {
  const at = MBR_ENTRIES_OFFSET + slot * MBR_ENTRY_BYTES;
  dataView(sector).setUint32(at + 12, sectors, true);
  sector.set(chsBytes(absoluteStartLba + sectors - 1), at + 5);
}

function replaceArea(metadata: MetadataBytes[], kind: MetadataBytes['kind'], offsetBytes: number, edit: (bytes: Uint8Array) => void): void {
  const index = metadata.findIndex((a) => a.kind === kind && a.offsetBytes === offsetBytes);
  const area = metadata[index];
  if (area === undefined || !area.intact)
    throw cannotGrow(`The captured partition table's ${kind} at byte ${offsetBytes} is missing or damaged, so its entry cannot be changed.`);
  const bytes = area.bytes.slice();
  edit(bytes);
  metadata[index] = { ...area, bytes };
}

function growGpt(table: PartitionTable, metadata: MetadataBytes[], last: Partition, targetSectors: number): number {
  const gpt = table.gpt;
  if (gpt === null) throw new LifeboatError('INTERNAL', 'A GPT table without its GPT part reached --grow-last; report this as a bug.');
  const ss = table.sectorSizeBytes;
  const arraySectors = entriesSectors(gpt.header, ss);
  const lastUsable = targetSectors - 2 - arraySectors;
  const align = Math.max(1, MIB / ss);
  const newLastLba = Math.floor((lastUsable + 1) / align) * align - 1;
  const entry = gpt.entries.find((e) => e.index + 1 === last.number);
  if (!entry) throw new LifeboatError('INTERNAL', `GPT partition ${last.number} has no entry; report this as a bug.`);
  if (newLastLba <= entry.lastLba) return entry.lastLba;
  const arrayBytes = gpt.header.entryCount * gpt.header.entrySizeBytes;
  let crc = 0;
  for (const copy of ['primary', 'backup'] as const) {
    const header = gpt[copy];
    if (header === null) continue;
    replaceArea(metadata, `gpt-${copy}-entries`, header.entriesLba * ss, (bytes) => {
      dataView(bytes).setBigUint64(entry.index * gpt.header.entrySizeBytes + GPT_LAST_LBA_OFFSET, BigInt(newLastLba), true);
      crc = crc32(bytes.subarray(0, arrayBytes)) >>> 0;
    });
  }
  table.gpt = {
    ...gpt,
    header: { ...gpt.header, entriesCrc32: crc },
    primary: gpt.primary && { ...gpt.primary, entriesCrc32: crc },
    backup: gpt.backup && { ...gpt.backup, entriesCrc32: crc },
    entries: gpt.entries.map((e) => (e === entry ? { ...e, lastLba: newLastLba } : e)),
  };
  return newLastLba;
}

function growMbr(table: PartitionTable, metadata: MetadataBytes[], last: Partition, targetSectors: number): number {
  const mbr = table.mbr;
  if (mbr === null) throw new LifeboatError('INTERNAL', 'An MBR table without its MBR reached --grow-last; report this as a bug.');
  const ss = table.sectorSizeBytes;
  const align = Math.max(1, MIB / ss);
  const newEnd = Math.floor(Math.min(targetSectors, MBR_MAX_SECTORS) / align) * align;
  const startLba = last.startBytes / ss;
  if (newEnd <= startLba + last.sizeBytes / ss) return startLba + last.sizeBytes / ss - 1;
  if (last.kind === 'primary') {
    replaceArea(metadata, 'mbr', 0, (bytes) => setMbrEntrySize(bytes, last.number - 1, startLba, newEnd - startLba));
    table.mbr = { ...mbr, entries: mbr.entries.map((e) => (e.number === last.number ? { ...e, sectors: newEnd - startLba } : e)) };
    return newEnd - 1;
  }
  const logical = mbr.logicals.find((l) => l.number === last.number);
  const container = mbr.entries.find((e) => e.sectors > 0 && isExtendedType(e.typeByte));
  if (!logical || !container) throw cannotGrow(`Logical partition ${last.number} has no extended partition around it in the captured table.`);
  if (mbr.entries.some((e) => e.sectors > 0 && e !== container && e.startLba > container.startLba)) {
    throw cannotGrow(`Logical partition ${last.number} ends last, but a primary partition follows its extended partition in the table.`);
  }
  replaceArea(metadata, 'ebr', logical.ebrLba * ss, (bytes) => setMbrEntrySize(bytes, 0, startLba, newEnd - startLba));
  replaceArea(metadata, 'mbr', 0, (bytes) => setMbrEntrySize(bytes, container.number - 1, container.startLba, newEnd - container.startLba));
  table.mbr = {
    ...mbr,
    entries: mbr.entries.map((e) => (e === container ? { ...e, sectors: newEnd - container.startLba } : e)),
    logicals: mbr.logicals.map((l) => (l === logical ? { ...l, sectors: newEnd - startLba } : l)),
  };
  table.partitions = table.partitions.map((p) => (p.number === container.number ? { ...p, sizeBytes: (newEnd - container.startLba) * ss } : p));
  return newEnd - 1;
}

/** The table and metadata with the last partition grown to the end of a target of `targetSizeBytes`. */
export function growLastPartition(captured: PartitionTable, capturedMetadata: readonly MetadataBytes[], targetSizeBytes: number): GrownTable {
  if (captured.scheme === 'none') throw cannotGrow('The snapshot has no partition table, so there is no last partition to grow.');
  const last = lastPartition(captured);
  if (last === null) throw cannotGrow("The snapshot's partition table has no partitions to grow.");
  if (captured.scheme === 'gpt' && captured.mbr?.hybrid === true) {
    throw cannotGrow('The captured GPT has a hybrid MBR, whose entries would then disagree with the grown GPT entry.');
  }
  const ss = captured.sectorSizeBytes;
  const targetSectors = Math.floor(targetSizeBytes / ss);
  const table: PartitionTable = structuredClone(captured);
  const metadata = capturedMetadata.map((area) => ({ ...area }));
  const lastLba = captured.scheme === 'gpt' ? growGpt(table, metadata, last, targetSectors) : growMbr(table, metadata, last, targetSectors);
  const newSizeBytes = (lastLba + 1) * ss - last.startBytes;
  if (newSizeBytes <= last.sizeBytes) {
    throw cannotGrow(
      `The target leaves no whole MiB after partition ${last.number}, which already ends at byte ${last.startBytes + last.sizeBytes}: there is nothing to grow into.`,
    );
  }
  table.partitions = table.partitions.map((p) => (p.number === last.number ? { ...p, sizeBytes: newSizeBytes } : p));
  const capped = captured.scheme === 'mbr' && targetSectors > MBR_MAX_SECTORS;
  return {
    table,
    metadata,
    partition: last,
    newSizeBytes,
    note: capped
      ? `An MBR cannot describe sectors past 2^32; partition ${last.number} grows only to that limit and the rest of the target stays unallocated.`
      : null,
  };
}
