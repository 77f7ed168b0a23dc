/**
 * Serialises a captured partition table for a target disk of a given size (same logical sector
 * size as the source). MBR and EBR sectors go back byte for byte (boot code included). A GPT is
 * rebuilt around its original entries array: backup header on the target's last LBA, backup
 * entries just before it, last usable LBA = sectors - 2 - entry sectors (what sgdisk -e does on
 * a bigger disk), CRCs recomputed, protective MBR fixed (a hybrid MBR is kept as it is).
 */
import { crc32 } from 'node:zlib';
import { LifeboatError } from '../core/errors.js';
import { entriesSectors, serializeGptHeader } from './gpt-header.js';
import { protectiveMbr } from './mbr.js';
import type { GptHeader, GptTable, MetadataKind, PartitionTable, PlannedWrite } from './partition-table.js';
import type { MetadataBytes } from './read-metadata-areas.js';

/** The smallest target, in bytes, that holds every partition of `table` (and, for GPT, its backup). */
export function requiredTargetBytes(table: PartitionTable): number {
  const ss = table.sectorSizeBytes;
  if (table.scheme === 'gpt' && table.gpt !== null) {
    const lastLba = Math.max(table.gpt.firstUsableLba, ...table.gpt.entries.map((entry) => entry.lastLba));
    return (lastLba + 2 + entriesSectors(table.gpt.header, ss)) * ss;
  }
  const ends = [...table.partitions.map((p) => p.startBytes + p.sizeBytes), ...table.metadataAreas.map((a) => a.offsetBytes + a.sizeBytes)];
  return Math.max(0, ...ends);
}

export function planPartitionTableWrites(table: PartitionTable, metadata: readonly MetadataBytes[], targetSizeBytes: number): PlannedWrite[] {
  if (!Number.isSafeInteger(targetSizeBytes) || targetSizeBytes < 0) {
    throw new LifeboatError('USAGE', `${targetSizeBytes} is not a disk size in bytes.`);
  }
  if (table.scheme === 'none') return [];
  const ss = table.sectorSizeBytes;
  const targetBytes = Math.floor(targetSizeBytes / ss) * ss;
  const required = requiredTargetBytes(table);
  if (targetBytes < required) {
    throw new LifeboatError(
      'OUT_OF_RANGE',
      `The target disk (${targetBytes} bytes) is ${required - targetBytes} bytes too small for this partition table, which needs ${required} bytes${table.scheme === 'gpt' ? ' including the backup GPT' : ''}. Choose a target of at least ${required} bytes, or shrink the last partition first.`,
    );
  }
  if (table.scheme === 'mbr') {
    return table.metadataAreas
      .map((area) => ({
        offsetBytes: area.offsetBytes,
        bytes: intactBytes(metadata, area.kind, area.offsetBytes, ss),
        what: area.kind === 'mbr' ? 'MBR' : `EBR at LBA ${area.offsetBytes / ss}`,
      }))
      .sort((a, b) => a.offsetBytes - b.offsetBytes);
  }
  if (table.gpt === null) throw new LifeboatError('INTERNAL', 'A GPT table without its GPT part reached the writer; report this as a bug.');
  return gptWrites(table, table.gpt, metadata, targetBytes / ss);
}

function gptWrites(table: PartitionTable, gpt: GptTable, metadata: readonly MetadataBytes[], targetSectors: number): PlannedWrite[] {
  const ss = table.sectorSizeBytes;
  const used = gpt.header;
  const copy = gpt.source === 'primary' ? 'primary' : 'backup';
  const template = intactBytes(metadata, `gpt-${copy}-header`, used.myLba * ss, ss);
  const arraySectors = entriesSectors(used, ss);
  const arrayBytes = used.entryCount * used.entrySizeBytes;
  const stored = intactBytes(metadata, `gpt-${copy}-entries`, used.entriesLba * ss, arraySectors * ss).subarray(0, arrayBytes);
  if (crc32(stored) >>> 0 !== used.entriesCrc32) {
    throw new LifeboatError(
      'CORRUPT_PARTITION_TABLE',
      'The stored GPT entries do not match the captured table (CRC32 differs): the capture is damaged. Verify the repository before restoring.',
    );
  }
  const entries = new Uint8Array(arraySectors * ss);
  entries.set(stored);

  const lastLba = targetSectors - 1;
  const backupEntriesLba = lastLba - arraySectors;
  const primaryEntriesLba = gpt.primary?.entriesLba ?? 2;
  if (primaryEntriesLba + arraySectors > used.firstUsableLba) {
    throw new LifeboatError(
      'CORRUPT_PARTITION_TABLE',
      `The primary GPT entries (LBA ${primaryEntriesLba}, ${arraySectors} sectors) would overlap the first usable LBA ${used.firstUsableLba}; the captured table is inconsistent.`,
    );
  }
  const common: GptHeader = { ...used, lastUsableLba: backupEntriesLba - 1 };
  const primary = serializeGptHeader(template, { ...common, myLba: 1, alternateLba: lastLba, entriesLba: primaryEntriesLba }, ss);
  const backup = serializeGptHeader(template, { ...common, myLba: lastLba, alternateLba: 1, entriesLba: backupEntriesLba }, ss);

  const mbrArea = metadata.find((area) => area.kind === 'mbr' && area.offsetBytes === 0);
  const mbrTemplate = mbrArea?.intact && mbrArea.bytes.length === ss ? mbrArea.bytes : null;
  const keepHybrid = table.mbr?.hybrid === true && mbrTemplate !== null;
  return [
    {
      offsetBytes: 0,
      bytes: keepHybrid && mbrTemplate !== null ? mbrTemplate : protectiveMbr(mbrTemplate, ss, targetSectors),
      what: keepHybrid ? 'hybrid MBR' : 'protective MBR',
    },
    { offsetBytes: ss, bytes: primary, what: 'primary GPT header' },
    { offsetBytes: primaryEntriesLba * ss, bytes: entries, what: 'primary GPT entries' },
    { offsetBytes: backupEntriesLba * ss, bytes: entries, what: 'backup GPT entries' },
    { offsetBytes: lastLba * ss, bytes: backup, what: 'backup GPT header' },
  ];
}

/** The stored bytes of one metadata area, refused when missing, damaged or the wrong size. */
function intactBytes(metadata: readonly MetadataBytes[], kind: MetadataKind, offsetBytes: number, sizeBytes: number): Uint8Array {
  const area = metadata.find((a) => a.kind === kind && a.offsetBytes === offsetBytes);
  if (area === undefined || !area.intact || area.bytes.length !== sizeBytes) {
    const state = area === undefined ? 'missing' : !area.intact ? 'marked damaged' : `${area.bytes.length} bytes instead of ${sizeBytes}`;
    throw new LifeboatError(
      'CORRUPT_PARTITION_TABLE',
      `The captured partition table's ${kind} at byte ${offsetBytes} is ${state}, so Lifeboat cannot write the table; capture the disk again or verify the repository.`,
      {
        details: { offsetBytes },
      },
    );
  }
  return area.bytes;
}

/**
 * Zeros over the MBR and both GPT headers of a target of `sizeBytes`, so no tool (or kernel)
 * finds its old table after a restore writes a different one. Entries arrays are left alone:
 * without a header nothing reads them.
 */
export function clearPartitionTableWrites(sizeBytes: number, sectorSizeBytes: number): PlannedWrite[] {
  const sectors = Math.floor(sizeBytes / sectorSizeBytes);
  const lbas = [...new Set([0, 1, sectors - 1])].filter((lba) => lba >= 0 && lba < sectors);
  const what = ['MBR', 'primary GPT header'];
  return lbas.map((lba) => ({ offsetBytes: lba * sectorSizeBytes, bytes: new Uint8Array(sectorSizeBytes), what: what[lba] ?? 'backup GPT header' }));
}
