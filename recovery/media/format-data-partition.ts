/**
 * The data partition's filesystem: exFAT made by mkfs.exfat (exfatprogs) on a loop device that
 * covers exactly the partition's bytes of the target. `losetup --offset --sizelimit` works the same
 * for a block device and an image file, and needs no partition device (the kernel here creates
 * none for loop devices, and the new table is written only after this step).
 */
import { execa } from 'execa';
import { LifeboatError } from '../core/errors.js';
import type { DataPartitionPlan } from './medium-plan.js';

const TOOLS = [
  { tool: 'mkfs.exfat', pkg: 'exfatprogs' },
  { tool: 'losetup', pkg: 'mount' },
];

function withSbin(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C' };
}

/** Refuses before anything is written when a tool the data partition needs is missing. */
export async function checkFormatTools(): Promise<void> {
  for (const { tool, pkg } of TOOLS) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false, env: withSbin() });
    if (found.exitCode !== 0) {
      throw new LifeboatError(
        'MEDIA_FORMAT_FAILED',
        `A data partition needs ${tool} (Debian package ${pkg}), which is not installed. Nothing was written; install it, or write without a data partition (--no-data-partition).`,
      );
    }
  }
}

function failed(what: string, output: string, target: string): LifeboatError {
  const tail = output.trim().split('\n').slice(-4).join(' | ');
  return new LifeboatError(
    'MEDIA_FORMAT_FAILED',
    `${what} failed (${tail || 'no output'}). The stick has no partition table yet, so nothing will use it; write it again, or write without a data partition (--no-data-partition).`,
    { details: { device: target } },
  );
}

/** Makes an exFAT filesystem labelled `partition.label` over bytes [startBytes, startBytes + sizeBytes) of `target`. */
export async function formatDataPartition(target: string, partition: DataPartitionPlan): Promise<void> {
  const attached = await execa('losetup', ['--find', '--show', '--offset', String(partition.startBytes), '--sizelimit', String(partition.sizeBytes), target], {
    reject: false,
    all: true,
    env: withSbin(),
  });
  if (attached.exitCode !== 0) throw failed(`Attaching the data partition's bytes of ${target} to a loop device`, attached.all ?? '', target);
  const device = attached.stdout.trim();
  try {
    const made = await execa('mkfs.exfat', ['-L', partition.label, device], { reject: false, all: true, stdin: 'ignore', env: withSbin() });
    if (made.exitCode !== 0) throw failed(`mkfs.exfat on the data partition of ${target}`, made.all ?? '', target);
  } finally {
    // Detaching also writes back whatever the loop device still holds.
    await execa('losetup', ['--detach', device], { reject: false, env: withSbin() });
  }
}
