/**
 * Reads and writes files on an exFAT filesystem from the host, whose kernel has no exFAT: through
 * exfat-fuse, kept in the foreground so that once it has exited every write is on the device.
 */
import { mkdtemp, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { waitUntil } from './poll.js';

export async function withExfat<T>(device: string, body: (root: string) => Promise<T>): Promise<T> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-mnt-exfat-'));
  // -d keeps the daemon in the foreground (with debug chatter, which is thrown away).
  const daemon = execa('mount.exfat-fuse', ['-d', '-o', 'rw', device, root], { reject: false, stdout: 'ignore', stderr: 'pipe' });
  try {
    await waitUntil(
      `exfat-fuse to mount ${device} on ${root}`,
      async () => (await execa('findmnt', ['-n', '-o', 'FSTYPE', root], { reject: false })).stdout.includes('fuse'),
      { intervalMs: 50, hopeless: async () => (daemon.exitCode === null ? null : `exfat-fuse exited: ${String((await daemon).stderr).slice(-500)}`) },
    );
    return await body(root);
  } finally {
    await execa('umount', [root], { reject: false });
    await daemon;
    await rmdir(root).catch(() => undefined);
  }
}

/** An exFAT filesystem inside a file's partition, reached through a loop device at its offset. */
export async function attachAt(file: string, offsetBytes: number, sizeBytes: number): Promise<{ device: string; detach: () => Promise<void> }> {
  const { stdout } = await execa('losetup', ['--find', '--show', '--offset', String(offsetBytes), '--sizelimit', String(sizeBytes), file]);
  const device = stdout.trim();
  return {
    device,
    detach: async () => {
      const { stdout: back } = await execa('losetup', ['--noheadings', '--output', 'BACK-FILE', device], { reject: false });
      if (back.trim() === path.resolve(file)) await execa('losetup', ['--detach', device], { reject: false });
    },
  };
}
