/**
 * The safety rules for a stick to write, before it is opened: restore's rules (targetRefusal:
 * the running system, the boot medium, mounted, held by LVM/RAID), plus the ones only a media
 * write has: the target may not hold the image being written (on one of its filesystems, or as
 * the very file or the loop device over it), must be a whole disk, and must take writes.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';
import { deviceNumbers, targetRefusal, type OpenedDisk } from '../disks/open-for-pipeline.js';
import { diskIoError } from '../disks/io-errors.js';
import type { HelperClient } from '../helper/helper-client.js';

type TargetFacts = Pick<OpenedDisk, 'helperDisk' | 'partition'>;

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** Why the disk in `facts` may not receive `imagePath` because it holds it, or null. */
async function imageRefusal(target: string, facts: TargetFacts, imagePath: string): Promise<string | null> {
  const disk = facts.helperDisk;
  if (!disk) return (await sameFile(target, imagePath)) ? `${target} is the image being written itself.` : null;
  if (disk.loopBackingFile && (await sameFile(disk.loopBackingFile, imagePath))) return `${target} is a loop device over the image ${imagePath} itself.`;
  const { major, minor } = deviceNumbers((await stat(imagePath)).dev);
  if ([disk, ...disk.partitions].some((d) => d.major === major && d.minor === minor)) return `${target} holds the image being written (${imagePath}).`;
  // FUSE filesystems (exfat-fuse, ntfs-3g) give their files an anonymous device number: find the image through mount points.
  const resolved = path.resolve(imagePath);
  const mounted = [...disk.mountpoints, ...disk.partitions.flatMap((p) => p.mountpoints)];
  const holder = mounted.find((mountpoint) => mountpoint.startsWith('/') && !path.relative(mountpoint, resolved).startsWith('..'));
  return holder ? `${target} holds the image being written (${imagePath}, on ${holder}).` : null;
}

/** The facts the rules need: the helper's for a block device, none for an image file. */
export async function mediumTargetFacts(target: string, helper: HelperClient): Promise<TargetFacts> {
  let isFile: boolean;
  try {
    isFile = (await stat(target)).isFile();
  } catch (cause) {
    throw diskIoError(cause, target, 'open');
  }
  if (isFile) return { helperDisk: null, partition: null };
  const info = await helper.info(target);
  return { helperDisk: info.disk, partition: info.partition ?? null };
}

/** Throws the refusal (TARGET_REFUSED, NOT_A_DISK) for writing `imagePath` onto `target`; returns when it may be written. */
export async function checkMediumTarget(target: string, facts: TargetFacts, imagePath: string): Promise<void> {
  const refuse = (sentence: string) =>
    new LifeboatError('TARGET_REFUSED', `Lifeboat will not write the live image to ${target}: ${sentence}`, { details: { device: target } });
  const disk = facts.helperDisk;
  if (facts.partition) {
    throw new LifeboatError(
      'NOT_A_DISK',
      `${target} is a partition; a live stick is written over a whole disk. Give the disk (${disk?.path ?? 'its whole-disk device'}) after checking it holds nothing you need.`,
      {
        details: { device: target },
      },
    );
  }
  // The running system and the boot medium first: those say the most, even when the disk also holds the image.
  const general = await targetRefusal(target, facts, {});
  if (general && (disk?.isSystem || disk?.isBootMedium)) throw refuse(general);
  const holds = await imageRefusal(target, facts, imagePath);
  if (holds) throw refuse(holds);
  if (general) throw refuse(general);
  if (disk && disk.sizeBytes === 0) throw refuse(`${disk.path} has no medium (an empty card reader or drive).`);
  if (disk?.readOnly) throw refuse(`${disk.path} is read-only (a write-protect switch, or a read-only device).`);
}
