/**
 * Mounts a filesystem for the length of one callback and always unmounts it, even when the
 * callback throws. ext4 goes through the kernel; NTFS through ntfs-3g (FUSE), whose daemon we keep
 * in the foreground so that "unmounted" also means "every write reached the device".
 */
import { mkdtemp, readFile, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { waitUntil } from './poll.js';

/** Filesystems this helper mounts (FAT is reached through mtools instead: the kernel here has no vfat). */
export type MountableFs = 'ext4' | 'ntfs';

export async function withMount<T>(device: string, fs: MountableFs, mode: 'ro' | 'rw', body: (root: string) => Promise<T>): Promise<T> {
  const root = await mkdtemp(path.join(os.tmpdir(), `lifeboat-mnt-${fs}-`));
  try {
    const unmount = fs === 'ext4' ? await mountExt4(device, root, mode) : await mountNtfs(device, root, mode);
    try {
      return await body(root);
    } finally {
      await unmount();
    }
  } finally {
    await rmdir(root).catch(() => undefined);
  }
}

async function mountExt4(device: string, root: string, mode: 'ro' | 'rw'): Promise<() => Promise<void>> {
  // A read-only mount still replays a journal that needs recovery; noload keeps an oracle from writing.
  await execa('mount', ['-t', 'ext4', '-o', mode === 'ro' ? 'ro,noload' : 'rw', device, root]);
  return async () => {
    const result = await execa('umount', [root], { reject: false });
    if (result.exitCode !== 0) {
      await execa('umount', ['--lazy', root], { reject: false });
      throw new Error(`umount ${root} failed: ${result.stderr}`);
    }
  };
}

async function isMountPoint(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[4] === dir);
}

async function mountNtfs(device: string, root: string, mode: 'ro' | 'rw'): Promise<() => Promise<void>> {
  const options = mode === 'ro' ? 'ro,no_detach' : 'no_detach';
  const daemon: ResultPromise = execa('ntfs-3g', ['-o', options, device, root], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false });
  try {
    await waitUntil(`ntfs-3g to mount ${device} (${mode}) on ${root}`, () => isMountPoint(root), {
      hopeless: async () => (daemon.exitCode === null ? null : `ntfs-3g exited: ${String((await daemon).stderr)}`),
    });
  } catch (error) {
    daemon.kill();
    await daemon;
    throw error;
  }
  return async () => {
    const result = await execa('umount', [root], { reject: false });
    if (result.exitCode !== 0) await execa('umount', ['--lazy', root], { reject: false });
    // Waiting for the daemon to exit is what guarantees ntfs-3g has closed the volume.
    const exited = await daemon;
    if (result.exitCode !== 0) throw new Error(`umount ${root} failed: ${result.stderr}`);
    if (exited.exitCode !== 0) throw new Error(`ntfs-3g exited with ${String(exited.exitCode)}: ${String(exited.stderr)}`);
  };
}
