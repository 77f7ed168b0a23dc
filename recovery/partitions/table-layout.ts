/**
 * The views consumers need, built from a parsed MBR or GPT: the flat partition list numbered as
 * Linux numbers it, the ranges that hold the table itself, the gaps outside every partition,
 * and warnings about partitions past the end of the disk or on top of each other.
 */
import { partitionTypeName } from './partition-types.js';
import { entriesSectors } from './gpt-header.js';
import { hex2, isExtendedType, isUsedEntry } from './mbr.js';
import type { Gap, GptTable, MbrTable, MetadataArea, Partition } from './partition-table.js';

/** Enough to show a pattern; a hostile table could otherwise produce 16384 warnings. */
const MAX_WARNINGS_PER_KIND = 10;

export function mbrPartitions(mbr: MbrTable, sectorSizeBytes: number): Partition[] {
  const uuid = (number: number): string | null => (mbr.diskSignature === '00000000' ? null : `${mbr.diskSignature}-${hex2(number)}`);
  const primaries = mbr.entries
    .filter(isUsedEntry)
    .map((entry) => ({ entry, kind: isExtendedType(entry.typeByte) ? ('extended' as const) : ('primary' as const) }));
  const logicals = mbr.logicals.map((entry) => ({ entry, kind: 'logical' as const }));
  return [...primaries, ...logicals].map(({ entry, kind }) => {
    const type = `0x${hex2(entry.typeByte)}`;
    return {
      number: entry.number,
      startBytes: entry.startLba * sectorSizeBytes,
      sizeBytes: entry.sectors * sectorSizeBytes,
      type,
      typeName: partitionTypeName(type),
      name: null,
      uuid: uuid(entry.number),
      bootable: entry.bootable,
      kind,
    };
  });
}

/** GPT attribute bit 2 is "legacy BIOS bootable", the GPT counterpart of the MBR's 0x80 status. */
const LEGACY_BIOS_BOOTABLE = 4n;

export function gptPartitions(gpt: GptTable, sectorSizeBytes: number): Partition[] {
  return gpt.entries.map((entry) => ({
    number: entry.index + 1,
    startBytes: entry.firstLba * sectorSizeBytes,
    sizeBytes: (entry.lastLba - entry.firstLba + 1) * sectorSizeBytes,
    type: entry.typeGuid,
    typeName: partitionTypeName(entry.typeGuid),
    name: entry.name,
    uuid: entry.uniqueGuid,
    bootable: (BigInt(entry.attributes) & LEGACY_BIOS_BOOTABLE) !== 0n,
    kind: 'gpt' as const,
  }));
}

export function mbrMetadataAreas(mbr: MbrTable | null, sectorSizeBytes: number): MetadataArea[] {
  const areas: MetadataArea[] = [{ kind: 'mbr', offsetBytes: 0, sizeBytes: sectorSizeBytes, intact: mbr !== null }];
  for (const lba of mbr?.ebrLbas ?? []) areas.push({ kind: 'ebr', offsetBytes: lba * sectorSizeBytes, sizeBytes: sectorSizeBytes, intact: true });
  return areas;
}

/**
 * Both GPT copies where they are, or for a damaged copy where it belongs (primary header at
 * LBA 1 and entries from LBA 2; backup where the primary says), so a capture can keep those
 * bytes too. Ranges past the end of a truncated disk are left out.
 */
export function gptMetadataAreas(gpt: GptTable, sectorSizeBytes: number, diskSectors: number): MetadataArea[] {
  const arraySectors = entriesSectors(gpt.header, sectorSizeBytes);
  const areas: MetadataArea[] = [];
  const add = (kind: MetadataArea['kind'], lba: number, sectors: number, intact: boolean): void => {
    if (lba >= 1 && lba + sectors <= diskSectors) areas.push({ kind, offsetBytes: lba * sectorSizeBytes, sizeBytes: sectors * sectorSizeBytes, intact });
  };
  add('gpt-primary-header', 1, 1, gpt.primary !== null);
  add('gpt-primary-entries', gpt.primary?.entriesLba ?? 2, arraySectors, gpt.primary !== null);
  const backupLba = gpt.backup?.myLba ?? gpt.primary?.alternateLba ?? diskSectors - 1;
  add('gpt-backup-entries', gpt.backup?.entriesLba ?? backupLba - arraySectors, arraySectors, gpt.backup !== null);
  add('gpt-backup-header', backupLba, 1, gpt.backup !== null);
  return areas;
}

/** Byte ranges of the disk outside every partition (extended containers do not count) and outside the table. */
export function findGaps(partitions: Partition[], areas: MetadataArea[], diskBytes: number): Gap[] {
  const leaves = partitions.filter((p) => p.kind !== 'extended' && p.sizeBytes > 0);
  const occupied = [
    ...leaves.map((p) => [p.startBytes, p.startBytes + p.sizeBytes] as const),
    ...areas.map((a) => [a.offsetBytes, a.offsetBytes + a.sizeBytes] as const),
  ].sort((a, b) => a[0] - b[0]);
  // With no partitions at all, everything is "trailing": nothing before a partition to protect.
  const firstStart = leaves.length === 0 ? 0 : Math.min(...leaves.map((p) => p.startBytes));
  const lastEnd = leaves.length === 0 ? 0 : Math.max(...leaves.map((p) => p.startBytes + p.sizeBytes));
  const gaps: Gap[] = [];
  let cursor = 0;
  for (const [start, end] of [...occupied, [diskBytes, diskBytes] as const]) {
    const gapEnd = Math.min(start, diskBytes);
    if (gapEnd > cursor) {
      const position = cursor >= lastEnd ? 'trailing' : gapEnd <= firstStart ? 'leading' : 'between';
      gaps.push({ offsetBytes: cursor, sizeBytes: gapEnd - cursor, position });
    }
    cursor = Math.max(cursor, end);
  }
  return gaps;
}

/** Partitions past the end of the disk (kept: a truncated image copy still holds the others) and overlaps. */
export function layoutWarnings(partitions: Partition[], diskBytes: number): string[] {
  const pastEnd = partitions
    .filter((p) => p.startBytes + p.sizeBytes > diskBytes)
    .map(
      (p) =>
        `Partition ${p.number} ends ${p.startBytes + p.sizeBytes - diskBytes} bytes past the end of the disk (${diskBytes} bytes): the image is truncated or the table is damaged; Lifeboat keeps the partition.`,
    );
  const overlaps = [
    ...findOverlaps(partitions.filter((p) => p.kind !== 'extended')),
    ...findOverlaps(partitions.filter((p) => p.kind === 'primary' || p.kind === 'extended')),
  ];
  return [...limit(pastEnd, 'partitions past the end'), ...limit([...new Set(overlaps)], 'overlaps')];
}

function findOverlaps(partitions: Partition[]): string[] {
  const sorted = [...partitions].sort((a, b) => a.startBytes - b.startBytes);
  const found: string[] = [];
  let widest: Partition | undefined;
  for (const p of sorted) {
    if (widest !== undefined && p.startBytes < widest.startBytes + widest.sizeBytes) {
      found.push(`Partitions ${widest.number} and ${p.number} overlap: writing one damages the other; check the table with sfdisk or gdisk.`);
    }
    if (widest === undefined || p.startBytes + p.sizeBytes > widest.startBytes + widest.sizeBytes) widest = p;
  }
  return found;
}

function limit(warnings: string[], what: string): string[] {
  if (warnings.length <= MAX_WARNINGS_PER_KIND) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS_PER_KIND), `... and ${warnings.length - MAX_WARNINGS_PER_KIND} more ${what}.`];
}
