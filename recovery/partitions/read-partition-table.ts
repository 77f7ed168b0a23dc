/**
 * Reads a disk's partition table through a ByteSource: MBR (with logical partitions), GPT (with
 * its backup as fallback) or none. Bounded work on any input: LBA 0, LBA 1 and at most 1024 EBRs
 * for MBR; 4 sectors plus at most 3 entries arrays of at most 4 MiB each for GPT (the primary's
 * and up to two backup candidates').
 */
import type { ByteSource } from '../core/byte-source.js';
import { LifeboatError } from '../core/errors.js';
import { readEbrChain } from './ebr-chain.js';
import { readGpt, type GptReading } from './gpt.js';
import { hasGptSignature } from './gpt-header.js';
import { GPT_PROTECTIVE_TYPE, isExtendedType, isUsedEntry, readMbrSector } from './mbr.js';
import type { MbrTable, PartitionTable } from './partition-table.js';
import { findGaps, gptMetadataAreas, gptPartitions, layoutWarnings, mbrMetadataAreas, mbrPartitions } from './table-layout.js';

export const SUPPORTED_SECTOR_SIZES: readonly number[] = [512, 1024, 2048, 4096];

export async function readPartitionTable(source: ByteSource, sectorSizeBytes: number): Promise<PartitionTable> {
  if (!SUPPORTED_SECTOR_SIZES.includes(sectorSizeBytes)) {
    throw new LifeboatError('USAGE', `A logical sector size of ${sectorSizeBytes} bytes is not supported; use one of ${SUPPORTED_SECTOR_SIZES.join(', ')}.`);
  }
  const diskSectors = Math.floor(source.sizeBytes / sectorSizeBytes);
  const table: PartitionTable = {
    scheme: 'none',
    sectorSizeBytes,
    diskSizeBytes: source.sizeBytes,
    diskSectors,
    mbr: null,
    gpt: null,
    partitions: [],
    metadataAreas: [],
    gaps: [],
    warnings: [],
  };
  if (diskSectors < 1) return table;
  const lba0 = readMbrSector(await source.readAt(0, sectorSizeBytes));
  const mbr: MbrTable | null = lba0.isMbr
    ? { diskSignature: lba0.diskSignature, entries: lba0.entries, protective: lba0.protective, hybrid: lba0.hybrid, logicals: [], ebrLbas: [] }
    : null;

  if (mbr !== null && !mbr.protective && !mbr.hybrid) {
    await readMbrLayout(source, table, mbr);
  } else {
    const gpt = await readGpt(source, sectorSizeBytes, diskSectors);
    if (!gpt.found) {
      if (mbr === null && !gpt.sawSignature) return table;
      throw unreadableGpt(gpt, mbr !== null);
    }
    table.scheme = 'gpt';
    table.mbr = mbr;
    table.gpt = gpt.table;
    table.warnings.push(...gpt.warnings);
    if (mbr === null) {
      table.warnings.push(`LBA 0 holds no protective MBR (${lba0.isMbr ? '' : lba0.reason}); Linux ignores such a GPT. A restore writes a protective MBR.`);
    } else {
      checkProtectiveEntry(mbr, diskSectors, table.warnings);
    }
    table.partitions = gptPartitions(gpt.table, sectorSizeBytes);
    table.metadataAreas = [...mbrMetadataAreas(mbr, sectorSizeBytes), ...gptMetadataAreas(gpt.table, sectorSizeBytes, diskSectors)];
  }
  const diskBytes = diskSectors * sectorSizeBytes;
  table.warnings.push(...layoutWarnings(table.partitions, diskBytes));
  table.gaps = findGaps(table.partitions, table.metadataAreas, diskBytes);
  return table;
}

async function readMbrLayout(source: ByteSource, table: PartitionTable, mbr: MbrTable): Promise<void> {
  const { sectorSizeBytes, diskSectors } = table;
  table.scheme = 'mbr';
  table.mbr = mbr;
  const extended = mbr.entries.filter((entry) => isUsedEntry(entry) && isExtendedType(entry.typeByte));
  const first = extended[0];
  if (first !== undefined) {
    const chain = await readEbrChain(source, sectorSizeBytes, diskSectors, first);
    mbr.logicals = chain.logicals;
    mbr.ebrLbas = chain.ebrLbas;
    table.warnings.push(...chain.warnings);
  }
  if (extended.length > 1) {
    table.warnings.push(`The MBR has ${extended.length} extended partitions; Lifeboat follows only the first (partition ${first?.number}), as fdisk does.`);
  }
  // A GPT left behind when the disk was repartitioned with an MBR tool: Linux ignores it, so do we.
  if (diskSectors > 1 && hasGptSignature(await source.readAt(sectorSizeBytes, sectorSizeBytes))) {
    table.warnings.push(
      'LBA 1 holds a stale GPT header that the MBR does not protect; Lifeboat, like Linux, uses the MBR. `wipefs` can remove the stale header.',
    );
  }
  table.partitions = mbrPartitions(mbr, sectorSizeBytes);
  table.metadataAreas = mbrMetadataAreas(mbr, sectorSizeBytes);
}

function checkProtectiveEntry(mbr: MbrTable, diskSectors: number, warnings: string[]): void {
  const entry = mbr.entries.find((e) => e.typeByte === GPT_PROTECTIVE_TYPE);
  if (entry === undefined || mbr.hybrid) return;
  if (entry.startLba !== 1 || entry.startLba + entry.sectors > diskSectors) {
    warnings.push(
      `The protective MBR entry (LBA ${entry.startLba}–${entry.startLba + entry.sectors - 1}) should start at LBA 1 and end inside the disk (${diskSectors} sectors); the GPT is used all the same, and a restore writes a correct protective MBR.`,
    );
  }
}

function unreadableGpt(gpt: Extract<GptReading, { found: false }>, protectiveMbr: boolean): LifeboatError {
  const why = protectiveMbr
    ? 'The MBR marks this disk as GPT (a type 0xEE entry), but neither GPT copy can be read'
    : "Neither copy of this disk's GPT can be read";
  return new LifeboatError(
    'CORRUPT_PARTITION_TABLE',
    `${why}. Primary: ${gpt.primaryProblem} Backup: ${gpt.backupProblem} Lifeboat will not guess the partitions; repair the table (for example with gdisk's recovery menu or testdisk) or image the whole disk.`,
    { details: { offsetBytes: 0 } },
  );
}
