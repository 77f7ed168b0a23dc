/** The checks every round trip ends with: the restored disk against its source, by the oracles. */
import { expect } from 'vitest';
import { checkFilesystem } from './fs-checkers.js';
import { sha256OfRange, type BootGapDisk, type SourceDisk } from './source-disks.js';
import { compareTrees, treeDigest } from './tree-hash.js';

/**
 * The one intended difference between the tables of a source and of a larger target: a GPT's
 * last usable LBA moves with the backup GPT to the new end of the disk.
 */
export function withoutLastLba(dump: string): string {
  return dump.replace(/^last-lba: \d+$/m, 'last-lba: <end>');
}

/** Every filesystem of the target passes its checker and holds the same tree as the source's. */
export async function expectSameFilesystems(source: SourceDisk, target: string): Promise<void> {
  for (const part of source.partitions) {
    if (part.fs === 'none') continue;
    const copy = `${target}p${part.number}`;
    const check = await checkFilesystem(copy, part.fs);
    expect(check.ok, check.output).toBe(true);
    const differences = compareTrees(await treeDigest(part.device, part.fs), await treeDigest(copy, part.fs));
    expect(differences, `partition ${part.number} (${part.fs})`).toEqual([]);
  }
}

export async function expectSameHiddenRegions(source: BootGapDisk, target: string): Promise<void> {
  for (const region of source.hiddenRegions) {
    expect(await sha256OfRange(target, region.offsetBytes, region.sizeBytes), region.name).toBe(region.sha256);
  }
}
