/**
 * Logical partitions: a linked list of EBR sectors inside the primary extended partition.
 * Each EBR's data entry starts relative to that EBR's own sector; its link entry is relative to
 * the start of the primary extended partition. Hostile disks contain cycles and links that
 * point anywhere, so the walk stops (with a warning, keeping what it found) on a repeat, on a
 * link leaving the extended partition or the disk, and after MAX_EBRS sectors.
 */
import type { ByteSource } from '../core/byte-source.js';
import { isAllZero } from '../core/bytes.js';
import { hasBootSignature, isExtendedType, isUsedEntry, mbrEntries } from './mbr.js';
import type { LogicalEntry, MbrEntry } from './partition-table.js';

/** Linux allows far fewer; 1024 bounds the walk at 1024 one-sector reads. */
export const MAX_EBRS = 1024;
export const FIRST_LOGICAL_NUMBER = 5;

export interface EbrChain {
  logicals: LogicalEntry[];
  ebrLbas: number[];
  warnings: string[];
}

export async function readEbrChain(source: ByteSource, sectorSizeBytes: number, diskSectors: number, extended: MbrEntry): Promise<EbrChain> {
  const extStart = extended.startLba;
  const extEnd = extStart + extended.sectors;
  const chain: EbrChain = { logicals: [], ebrLbas: [], warnings: [] };
  const seen = new Set<number>();
  let number = FIRST_LOGICAL_NUMBER;
  let lba = extStart;
  for (let step = 0; ; step++) {
    const stop = whyStop(lba, step, seen, extStart, extEnd, diskSectors, extended.number);
    if (stop !== null) {
      chain.warnings.push(stop);
      break;
    }
    seen.add(lba);
    const sector = await source.readAt(lba * sectorSizeBytes, sectorSizeBytes);
    if (!hasBootSignature(sector)) {
      // A freshly zeroed extended partition has no EBR yet: nothing to say. Anything else is damage.
      if (step > 0 || !isAllZero(sector.subarray(0, 512))) {
        chain.warnings.push(`The EBR at LBA ${lba} has no 55 AA signature, so the logical partitions after partition ${number - 1} (if any) cannot be found.`);
      }
      break;
    }
    chain.ebrLbas.push(lba);
    const entries = mbrEntries(sector).filter(isUsedEntry);
    const data = entries.filter((entry) => !isExtendedType(entry.typeByte));
    const links = entries.filter((entry) => isExtendedType(entry.typeByte));
    if (data.length > 1 || links.length > 1) {
      chain.warnings.push(`The EBR at LBA ${lba} has ${data.length} data and ${links.length} link entries; Lifeboat uses the first of each, as fdisk does.`);
    }
    const first = data[0];
    if (first !== undefined) {
      const logical: LogicalEntry = { ...first, number, startLba: lba + first.startLba, ebrLba: lba };
      chain.logicals.push(logical);
      if (logical.startLba + logical.sectors > extEnd) {
        chain.warnings.push(
          `Logical partition ${number} (LBA ${logical.startLba}, ${logical.sectors} sectors) extends past the end of extended partition ${extended.number}.`,
        );
      }
      number++;
    }
    const link = links[0];
    if (link === undefined) break;
    lba = extStart + link.startLba;
  }
  return chain;
}

function whyStop(lba: number, step: number, seen: Set<number>, extStart: number, extEnd: number, diskSectors: number, extendedNumber: number): string | null {
  if (step >= MAX_EBRS) {
    return `The chain of logical partitions is longer than ${MAX_EBRS} EBRs; Lifeboat stopped reading it there (the table is probably damaged).`;
  }
  if (seen.has(lba)) {
    return `The chain of logical partitions loops back to the EBR at LBA ${lba}; Lifeboat stopped there and kept the partitions before the loop.`;
  }
  if (lba < extStart || lba >= extEnd) {
    return `An EBR link points to LBA ${lba}, outside extended partition ${extendedNumber} (LBA ${extStart}–${extEnd - 1}); Lifeboat stopped following the chain there.`;
  }
  if (lba >= diskSectors) {
    return `The EBR at LBA ${lba} lies past the end of the disk (${diskSectors} sectors): the image is truncated; logical partitions from there on are missing.`;
  }
  return null;
}
