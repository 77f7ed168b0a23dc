/**
 * The `--grow-last` step of `lifeboat restore`, after the grown table is written and the kernel
 * re-read it: find a block device for the last partition (the kernel's partition device, or a
 * loop device over the partition's bytes of an image file), grow its filesystem, check it, and
 * read the new size back with Lifeboat's own prober.
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { sectorSource } from '../../core/byte-source.js';
import { LifeboatError } from '../../core/errors.js';
import { openDisk } from '../../disks/open-disk.js';
import type { OpenedDisk } from '../../disks/open-for-pipeline.js';
import { probeFilesystem } from '../../filesystems/filesystem-registry.js';
import type { HelperClient } from '../../helper/helper-client.js';
import { growFilesystem, withImagePartition, type ToolRun } from '../../pipeline/grow-filesystem.js';
import type { GrowPlan } from '../../pipeline/restore-plan.js';

export interface GrowOutcome {
  device: string;
  /** What the filesystem says its size is after growing, or null when Lifeboat could not read it. */
  filesystemBytes: number | null;
  runs: ToolRun[];
}

/**
 * How long the partition's device may take to appear. udev takes a moment on an idle machine and
 * much longer on a loaded one; only a device that never comes should reach this.
 */
const DEVICE_DEADLINE_MS = 60_000;

/** The kernel's device for partition `number` of `disk`, once it exists (udev may lag). */
async function partitionDevice(helper: HelperClient, disk: string, number: number): Promise<string> {
  const until = Date.now() + DEVICE_DEADLINE_MS;
  for (;;) {
    const { disk: info } = await helper.info(disk);
    const found = info.partitions.find((p) => p.number === number);
    if (
      found &&
      (await stat(found.path).then(
        (s) => s.isBlockDevice(),
        () => false,
      ))
    )
      return found.path;
    if (Date.now() > until) break;
    await sleep(100);
  }
  throw new LifeboatError(
    'GROW_FAILED',
    `The kernel shows no device for partition ${number} of ${disk} after the new table was written, so its filesystem cannot be grown. The restore itself is complete; re-read the table (partprobe) and grow the filesystem by hand.`,
    { details: { device: disk } },
  );
}

async function probedSize(helper: HelperClient, device: string): Promise<number | null> {
  const disk = await openDisk(device, helper);
  try {
    return (await probeFilesystem(sectorSource(disk)))?.sizeBytes ?? null;
  } finally {
    await disk.close();
  }
}

/** Grows the last partition's filesystem on the restored target. The target must be closed first (tools open it exclusively). */
export async function growOnTarget(helper: HelperClient, opened: OpenedDisk, grow: GrowPlan): Promise<GrowOutcome> {
  const work = async (device: string): Promise<GrowOutcome> => {
    const runs = await growFilesystem(device, grow.filesystem);
    return { device, filesystemBytes: await probedSize(helper, device), runs };
  };
  if (opened.helperDisk) return work(await partitionDevice(helper, opened.helperDisk.path, grow.partitionNumber));
  return withImagePartition(opened.disk.path, grow.startBytes, grow.toBytes, work);
}
