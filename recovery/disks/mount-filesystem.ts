/**
 * Mounting a partition read-write so images can be written to it or read from it (the terminal
 * UI's "a partition of another disk or a USB stick"), under a private directory, and unmounting
 * it afterwards. The kernel mounts ext2/3/4, XFS, Btrfs and FAT; NTFS goes through ntfs-3g and
 * exFAT through the kernel or, where the kernel lacks it, exfat-fuse. Nothing here imports the UI.
 */
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { LifeboatError } from '../core/errors.js';

export interface MountedFilesystem {
  device: string;
  fsType: string;
  mountpoint: string;
}

type Attempt = [program: string, args: string[]];

const KERNEL_TYPES = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat']);

/** The filesystems Lifeboat can mount read-write to hold a repository. */
export function canHoldImages(fsType: string | null | undefined): boolean {
  return fsType != null && (KERNEL_TYPES.has(fsType) || fsType === 'ntfs' || fsType === 'exfat');
}

/** Ways to mount, best first; the next is tried when one fails (a kernel without exFAT, say). */
function attempts(fsType: string, device: string, dir: string): Attempt[] {
  if (KERNEL_TYPES.has(fsType)) return [['mount', ['-t', fsType, '-o', 'rw', device, dir]]];
  if (fsType === 'ntfs')
    return [
      ['ntfs-3g', ['-o', 'rw', device, dir]],
      ['mount', ['-t', 'ntfs3', '-o', 'rw', device, dir]],
    ];
  if (fsType === 'exfat')
    return [
      ['mount', ['-t', 'exfat', '-o', 'rw', device, dir]],
      ['mount.exfat-fuse', ['-o', 'rw', device, dir]],
    ];
  return [];
}

/** Root only: /run/lifeboat, which nobody else can write; otherwise the temp directory. */
async function privateParent(): Promise<string> {
  const parent = process.getuid?.() === 0 ? '/run/lifeboat' : path.join(os.tmpdir(), 'lifeboat-mounts');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  return parent;
}

function lastWords(text: string | undefined): string {
  const lines = (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-2).join(' ');
}

function advice(fsType: string): string {
  if (fsType === 'ntfs')
    return ' If Windows was hibernated or shut down with Fast Startup, start it and shut it down fully (Shift + Shut down), or choose another place.';
  return ' Choose another place, or check the filesystem first.';
}

export async function mountReadWrite(device: string, fsType: string): Promise<MountedFilesystem> {
  if (process.platform === 'win32') throw new LifeboatError('UNSUPPORTED', "Windows mounts volumes itself: choose a drive letter's folder instead.");
  const ways = attempts(fsType, device, '');
  if (ways.length === 0)
    throw new LifeboatError(
      'UNSUPPORTED',
      `Lifeboat cannot store images on ${fsType} (${device}); choose a partition with ext4, NTFS, exFAT, FAT, XFS or Btrfs.`,
    );
  const dir = await mkdtemp(path.join(await privateParent(), 'mnt-'));
  const failures: string[] = [];
  for (const [program, args] of attempts(fsType, device, dir)) {
    const result = await execa(program, args, { reject: false, all: true, stdin: 'ignore' });
    if (result.exitCode === 0) return { device, fsType, mountpoint: dir };
    failures.push(`${program}: ${lastWords(result.all) || (result.failed && 'code' in result ? String(result.code) : `exit code ${String(result.exitCode)}`)}`);
  }
  await rmdir(dir).catch(() => undefined);
  throw new LifeboatError('MOUNT_FAILED', `Lifeboat could not mount ${device} (${fsType}) read-write: ${failures.join('; ')}.${advice(fsType)}`, {
    details: { device },
  });
}

/** Unmounts (which flushes everything written) and removes the private directory. */
export async function unmountFilesystem(mounted: MountedFilesystem): Promise<void> {
  const result = await execa('umount', [mounted.mountpoint], { reject: false, all: true, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    throw new LifeboatError(
      'MOUNT_FAILED',
      `Lifeboat could not unmount ${mounted.device} from ${mounted.mountpoint}: ${lastWords(result.all)}. Do not remove the disk yet; run \`umount ${mounted.mountpoint}\` from a shell.`,
      { details: { device: mounted.device } },
    );
  }
  await rmdir(mounted.mountpoint).catch(() => undefined);
}
