/**
 * Reads both GPT copies: the primary at LBA 1 and the backup at the primary's alternate LBA or
 * the disk's last LBA. The partitions come from the primary when it is intact (header CRC,
 * layout and entries CRC all good), otherwise from the backup, and the table says which and why.
 */
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../core/byte-source.js';
import { dataView } from '../core/bytes.js';
import { parseGptEntries } from './gpt-entries.js';
import { entriesSectors, hasGptSignature, hex8, parseGptHeader } from './gpt-header.js';
import type { GptHeader, GptTable } from './partition-table.js';

export interface GptCopy {
  header: GptHeader;
  entriesBytes: Uint8Array;
}

type CopyReading = { copy: GptCopy } | { problem: string; hasSignature: boolean; alternateHint: number | null };

export type GptReading =
  | { found: true; table: GptTable; warnings: string[] }
  | { found: false; sawSignature: boolean; primaryProblem: string; backupProblem: string };

export async function readGpt(source: ByteSource, sectorSizeBytes: number, diskSectors: number): Promise<GptReading> {
  const primary = await readCopy(source, 1, sectorSizeBytes, diskSectors);
  const lastLba = diskSectors - 1;
  const candidates: number[] = [];
  if ('copy' in primary) candidates.push(primary.copy.header.alternateLba);
  else if (primary.alternateHint !== null) candidates.push(primary.alternateHint);
  if (!candidates.includes(lastLba)) candidates.push(lastLba);

  let backup: GptCopy | null = null;
  let backupSawSignature = false;
  const backupProblems: string[] = [];
  for (const lba of candidates) {
    if (lba <= 1) continue;
    const reading = await readCopy(source, lba, sectorSizeBytes, diskSectors);
    if ('copy' in reading) {
      backup = reading.copy;
      break;
    }
    backupProblems.push(reading.problem);
    backupSawSignature ||= reading.hasSignature;
  }
  const primaryCopy = 'copy' in primary ? primary.copy : null;
  const primaryProblem = 'copy' in primary ? null : primary.problem;
  const backupProblem = backup !== null ? null : backupProblems.join(' ') || `The disk has no room for a backup GPT (${diskSectors} sectors).`;
  const used = primaryCopy ?? backup;
  if (used === null) {
    const sawSignature = backupSawSignature || ('hasSignature' in primary && primary.hasSignature);
    return { found: false, sawSignature, primaryProblem: primaryProblem ?? '', backupProblem: backupProblem ?? '' };
  }
  const warnings: string[] = [];
  const primaryHeader = primaryCopy?.header ?? null;
  const backupHeader = backup?.header ?? null;
  if (primaryProblem !== null) warnings.push(`Lifeboat read the backup GPT because the primary is damaged: ${primaryProblem}`);
  if (backupProblem !== null) warnings.push(`The backup GPT is missing or damaged (a restore writes a fresh one): ${backupProblem}`);
  if (primaryHeader !== null && backupHeader !== null) compareCopies(primaryHeader, backupHeader, warnings);
  checkAgainstDisk(used.header, primaryHeader, diskSectors, sectorSizeBytes, warnings);

  const entries = parseGptEntries(used.entriesBytes, used.header, warnings);
  for (const entry of entries) {
    if (entry.firstLba < used.header.firstUsableLba || entry.lastLba > used.header.lastUsableLba) {
      warnings.push(
        `GPT partition ${entry.index + 1} (LBA ${entry.firstLba}–${entry.lastLba}) lies outside the usable range (LBA ${used.header.firstUsableLba}–${used.header.lastUsableLba}).`,
      );
    }
  }
  return {
    found: true,
    warnings,
    table: {
      source: primaryHeader !== null ? 'primary' : 'backup',
      primaryProblem,
      backupProblem,
      diskGuid: used.header.diskGuid,
      firstUsableLba: used.header.firstUsableLba,
      lastUsableLba: used.header.lastUsableLba,
      header: used.header,
      primary: primaryHeader,
      backup: backupHeader,
      entries,
    },
  };
}

async function readCopy(source: ByteSource, lba: number, sectorSizeBytes: number, diskSectors: number): Promise<CopyReading> {
  if (lba >= diskSectors) {
    return {
      problem: `LBA ${lba}, where a GPT header should be, lies past the end of the disk (${diskSectors} sectors).`,
      hasSignature: false,
      alternateHint: null,
    };
  }
  const sector = await source.readAt(lba * sectorSizeBytes, sectorSizeBytes);
  const hasSignature = hasGptSignature(sector);
  const parsed = parseGptHeader(sector, lba, sectorSizeBytes);
  if (typeof parsed === 'string') return { problem: parsed, hasSignature, alternateHint: hasSignature ? alternateHint(sector, diskSectors) : null };
  const arraySectors = entriesSectors(parsed, sectorSizeBytes);
  if (parsed.entriesLba + arraySectors > diskSectors) {
    return {
      problem: `The entries array of the GPT header at LBA ${lba} (LBA ${parsed.entriesLba}, ${arraySectors} sectors) lies past the end of the disk.`,
      hasSignature,
      alternateHint: null,
    };
  }
  const entriesBytes = await source.readAt(parsed.entriesLba * sectorSizeBytes, parsed.entryCount * parsed.entrySizeBytes);
  const actual = crc32(entriesBytes) >>> 0;
  if (actual !== parsed.entriesCrc32) {
    return {
      problem: `The entries array of the GPT header at LBA ${lba} fails its CRC32 check (stored 0x${hex8(parsed.entriesCrc32)}, computed 0x${hex8(actual)}): it is damaged.`,
      hasSignature,
      alternateHint: parsed.alternateLba < diskSectors ? parsed.alternateLba : null,
    };
  }
  return { copy: { header: parsed, entriesBytes } };
}

/** A damaged primary may still point at its backup (useful when the disk was enlarged); only a hint, bounded to the disk. */
function alternateHint(sector: Uint8Array, diskSectors: number): number | null {
  const value = dataView(sector).getBigUint64(32, true);
  return value > 1n && value < BigInt(diskSectors) ? Number(value) : null;
}

function compareCopies(primary: GptHeader, backup: GptHeader, warnings: string[]): void {
  const differences: string[] = [];
  if (primary.diskGuid !== backup.diskGuid) differences.push('disk GUID');
  if (primary.entriesCrc32 !== backup.entriesCrc32 || primary.entryCount !== backup.entryCount) differences.push('entries');
  if (primary.firstUsableLba !== backup.firstUsableLba || primary.lastUsableLba !== backup.lastUsableLba) differences.push('usable range');
  if (differences.length > 0) {
    warnings.push(`The primary and backup GPT differ (${differences.join(', ')}); Lifeboat uses the primary, as sgdisk does.`);
  }
}

function checkAgainstDisk(used: GptHeader, primary: GptHeader | null, diskSectors: number, sectorSizeBytes: number, warnings: string[]): void {
  if (used.lastUsableLba >= diskSectors) {
    const missingBytes = (used.lastUsableLba + 1 - diskSectors) * sectorSizeBytes;
    warnings.push(
      `The GPT's usable range ends at LBA ${used.lastUsableLba} but the disk has only ${diskSectors} sectors: the image is truncated (at least ${missingBytes} bytes are missing) or the disk shrank.`,
    );
  } else if (primary !== null && primary.alternateLba < diskSectors - 1) {
    warnings.push(
      `The backup GPT belongs at LBA ${primary.alternateLba}, not at the disk's last LBA ${diskSectors - 1}: the disk was enlarged after partitioning (a restore puts it at the end).`,
    );
  }
}
