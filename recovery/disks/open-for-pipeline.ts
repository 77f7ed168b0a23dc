/**
 * Opening the disks a pipeline reads and writes, with DESIGN.md's safety rules: a target that is
 * mounted, held by LVM/RAID, the running system, the boot medium, the disk holding the repository,
 * or the source itself is refused before it is opened for writing. Shared by the CLI and the TUI.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';
import type { HelperClient } from '../helper/helper-client.js';
import type { HelperDisk, HelperPartition } from '../helper/protocol.js';
import type { Disk } from './disk.js';
import { diskIoError } from './io-errors.js';
import { isWindowsDevicePath, openDisk, openImageFile } from './open-disk.js';

export interface OpenedDisk {
  disk: Disk;
  /** The kernel's name (sdb, loop3p2) for a block device; the path for an image file. */
  name: string;
  /** Helper facts for a block device; null for an image file. */
  helperDisk: HelperDisk | null;
  partition: HelperPartition | null;
  identity: { model: string | null; serial: string | null };
}

export interface OpenOptions {
  /** Sector size to assume for an image file. */
  sectorSize?: number;
}

export function deviceNumbers(dev: number): { major: number; minor: number } {
  const big = BigInt(dev);
  return { major: Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn)), minor: Number((big & 0xffn) | ((big >> 12n) & ~0xffn)) };
}

async function isFile(target: string): Promise<boolean> {
  // stat() of a Windows disk device fails or misnames it; its name is what says it is a device.
  if (process.platform === 'win32' && isWindowsDevicePath(target)) return false;
  try {
    return (await stat(target)).isFile();
  } catch (cause) {
    throw diskIoError(cause, target, 'open');
  }
}

async function describe(target: string, helper: HelperClient): Promise<Pick<OpenedDisk, 'name' | 'helperDisk' | 'partition' | 'identity'>> {
  if (await isFile(target)) return { name: target, helperDisk: null, partition: null, identity: { model: null, serial: null } };
  const info = await helper.info(target);
  return {
    name: info.partition?.name ?? info.disk.name,
    helperDisk: info.disk,
    partition: info.partition ?? null,
    identity: { model: info.disk.model, serial: info.disk.serial },
  };
}

/** Mount points of the target (a partition: its own; a disk: all of its partitions'). */
export function mountsOf(opened: Pick<OpenedDisk, 'helperDisk' | 'partition'>): string[] {
  if (opened.partition) return opened.partition.mountpoints;
  if (!opened.helperDisk) return [];
  return [...opened.helperDisk.mountpoints, ...opened.helperDisk.partitions.flatMap((p) => p.mountpoints)];
}

/** Opens a source read-only. Mounted sources are allowed; the warning says why that is risky. */
export async function openSource(target: string, helper: HelperClient, options: OpenOptions = {}): Promise<OpenedDisk & { warnings: string[] }> {
  const facts = await describe(target, helper);
  const disk = facts.helperDisk
    ? await openDisk(target, helper)
    : await openImageFile(target, options.sectorSize ? { logicalSectorSize: options.sectorSize } : {});
  const mounts = mountsOf(facts);
  const warnings =
    mounts.length > 0
      ? [
          `${target} has mounted filesystems (${mounts.join(', ')}); it is read as it is now, and files changing during the capture may be inconsistent in the image. Unmount them for a consistent image.`,
        ]
      : [];
  return { ...facts, disk, warnings };
}

export interface TargetRules {
  /** The repository being read: its disk may not be overwritten. */
  repoDir?: string;
  /** The source of a clone. */
  source?: OpenedDisk;
}

/** Why `target` may not be written, as a sentence, or null. */
export async function targetRefusal(
  target: string,
  facts: Pick<OpenedDisk, 'helperDisk' | 'partition'>,
  rules: TargetRules,
  platform: NodeJS.Platform = process.platform,
): Promise<string | null> {
  const { helperDisk, partition } = facts;
  if (rules.source && path.resolve(rules.source.disk.path) === path.resolve(target)) return `${target} is the source itself.`;
  if (rules.source?.helperDisk && helperDisk && rules.source.helperDisk.path === helperDisk.path) return `${target} is on the source disk ${helperDisk.path}.`;
  if (!helperDisk) {
    if (rules.repoDir && path.resolve(target).startsWith(`${path.resolve(rules.repoDir)}${path.sep}`)) return `${target} is inside the repository.`;
    return null;
  }
  if (helperDisk.isSystem) return `${helperDisk.path} holds the running system.`;
  if (helperDisk.isBootMedium) return `${helperDisk.path} is the medium Lifeboat booted from.`;
  // Before the mount rule: the disk holding the repository is always mounted, and this says more.
  if (rules.repoDir && platform === 'win32') {
    // Windows has no device numbers: the repository's drive letter or folder names its volume.
    const repo = path.win32.resolve(rules.repoDir).toLowerCase();
    const owners = partition ? [partition] : helperDisk.partitions;
    if (owners.some((p) => p.mountpoints.some((m) => repo.startsWith(m.toLowerCase())))) return `${target} holds the repository ${rules.repoDir}.`;
  } else if (rules.repoDir) {
    const { major, minor } = deviceNumbers((await stat(rules.repoDir)).dev);
    const owners = [helperDisk, ...helperDisk.partitions].filter((d) => d.major === major && d.minor === minor);
    const inside = owners.some((owner) => !partition || owner === helperDisk || owner.path === partition.path);
    if (inside) return `${target} holds the repository ${rules.repoDir}.`;
  }
  const mounts = mountsOf(facts);
  // On Windows every disk's volumes get drive letters (WinPE mounts the internal disks as C:, D:);
  // opening the target locks and dismounts them, and a volume in use makes that fail with BUSY.
  if (mounts.length > 0 && platform !== 'win32') return `${target} has mounted filesystems (${mounts.join(', ')}); unmount them first.`;
  const holders = partition ? partition.holders : [...helperDisk.holders, ...helperDisk.partitions.flatMap((p) => p.holders)];
  if (holders.length > 0) return `${target} is in use by ${holders.join(', ')} (LVM, RAID or encryption); stop that first.`;
  return null;
}

/** Opens a target for writing after the safety rules; a refusal is TARGET_REFUSED. */
export async function openTarget(target: string, helper: HelperClient, rules: TargetRules, options: OpenOptions = {}): Promise<OpenedDisk> {
  const facts = await describe(target, helper);
  const refusal = await targetRefusal(target, facts, rules);
  if (refusal) throw new LifeboatError('TARGET_REFUSED', `Lifeboat will not write to ${target}: ${refusal}`, { details: { device: target } });
  const disk = facts.helperDisk
    ? await openDisk(target, helper, { writable: true })
    : await openImageFile(target, { writable: true, ...(options.sectorSize ? { logicalSectorSize: options.sectorSize } : {}) });
  return { ...facts, disk };
}
