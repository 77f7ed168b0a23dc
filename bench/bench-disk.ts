/**
 * The bench's disks as the contenders see them: loop devices of the image file (the whole disk,
 * and each partition on its own for partclone), the used ranges Lifeboat's inspect reports, and
 * the small I/O helpers the steps share.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Attachments } from './attachments.js';
import type { DiskDevices } from './contenders.js';
import type { PartitionFacts } from './test-disk.js';
import { usedRanges, writeRanges, type UsedRanges } from './used-ranges.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The Lifeboat CLI from the checkout's build, and the range reader (read-ranges.ts). */
export const cli = [process.execPath, path.resolve(here, '../../build/recovery/cli/main.js')];
export const readRanges = [process.execPath, path.join(here, 'read-ranges.js')];

export interface BenchDisk {
  file: string;
  devices: DiskDevices;
  ranges: UsedRanges;
  rangesFile: string;
  partitionRangesFile: string;
}

export async function duBytes(target: string): Promise<number> {
  const { stdout } = await execa('du', ['-sb', target]);
  return Number(stdout.split('\t')[0]);
}

export async function attachDisk(
  attachments: Attachments,
  file: string,
  partitions: PartitionFacts[],
  options: { readOnly: boolean; partitions: boolean },
): Promise<DiskDevices> {
  const disk = await attachments.attach(file, { readOnly: options.readOnly });
  const devices: DiskDevices['partitions'] = [];
  if (options.partitions) {
    for (const part of partitions) {
      devices.push({
        number: part.number,
        filesystem: part.filesystem,
        device: await attachments.attach(file, { offsetBytes: part.startBytes, sizeBytes: part.sizeBytes, readOnly: options.readOnly }),
      });
    }
  }
  return { disk, partitions: devices };
}

/** Reads what the next step reads, so it starts from the page cache (unless caches are dropped). */
export async function warm(paths: string[], dropCaches: boolean): Promise<void> {
  if (dropCaches) return;
  for (const target of paths)
    await execa('bash', ['-c', 'find "$1" -type f -o -type b | xargs -r -I{} dd if={} of=/dev/null bs=4M status=none', 'warm', target]);
}

export async function hashRanges(file: string, rangesFile: string): Promise<string> {
  return (await execa(readRanges[0] as string, [...readRanges.slice(1), file, rangesFile, '--sha256'])).stdout.trim();
}

export async function benchDisk(attachments: Attachments, dir: string, name: string, file: string, partitions: PartitionFacts[]): Promise<BenchDisk> {
  const devices = await attachDisk(attachments, file, partitions, { readOnly: true, partitions: true });
  const ranges = await usedRanges(cli, devices.disk);
  const rangesFile = path.join(dir, `${name}-ranges.json`);
  const partitionRangesFile = path.join(dir, `${name}-partition-ranges.json`);
  await writeRanges(rangesFile, ranges.ranges);
  await writeRanges(partitionRangesFile, ranges.partitionRanges);
  return { file, devices, ranges, rangesFile, partitionRangesFile };
}
