import { stat } from 'node:fs/promises';
import { sectorSource } from '../../core/byte-source.js';
import { analyzeDisk } from '../../disks/analyze-disk.js';
import type { Disk } from '../../disks/disk.js';
import { diskIoError } from '../../disks/io-errors.js';
import { openDisk, openImageFile } from '../../disks/open-disk.js';
import { withHelper } from '../../helper/helper-client.js';
import { inspectToJson } from '../inspect-json.js';
import { renderInspect } from '../inspect-text.js';

export interface InspectCommandOptions {
  json: boolean;
  map: boolean;
  /** Logical sector size of an image file (a block device reports its own). */
  sectorSize?: number;
}

async function analyzeOpened(disk: Disk, target: string, options: InspectCommandOptions): Promise<void> {
  const analysis = await analyzeDisk(sectorSource(disk), disk.logicalSectorSize);
  process.stdout.write(options.json ? `${JSON.stringify(inspectToJson(target, analysis, { map: options.map }), null, 2)}\n` : renderInspect(target, analysis));
}

/**
 * `lifeboat inspect DISK|IMAGE`: the partition table and, for every partition, its filesystem and
 * what a capture would copy of it (used blocks, header only, or whole with the reason). Read-only.
 */
export async function inspectCommand(target: string, options: InspectCommandOptions): Promise<void> {
  let isFile;
  try {
    isFile = (await stat(target)).isFile();
  } catch (cause) {
    throw diskIoError(cause, target, 'open');
  }
  const open = isFile
    ? async (work: (disk: Disk) => Promise<void>) => work(await openImageFile(target, options.sectorSize ? { logicalSectorSize: options.sectorSize } : {}))
    : (work: (disk: Disk) => Promise<void>) => withHelper({}, async (helper) => work(await openDisk(target, helper)));
  await open(async (disk) => {
    try {
      await analyzeOpened(disk, target, options);
    } finally {
      await disk.close();
    }
  });
}
