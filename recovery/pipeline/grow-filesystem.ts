/**
 * `restore --grow-last` on the filesystem side, once the grown table is on the target: the
 * filesystem's own tools, run through execa, grow it to fill its partition, then its checker must
 * pass. ext2/3/4: `e2fsck -f -p` (resize2fs insists on a fresh check), `resize2fs`, `e2fsck -f -n`.
 * NTFS: `ntfsresize --force` (without a size it fills the device; it schedules a chkdsk for
 * Windows' next start, as it always does), `ntfsfix -n`.
 */
import { execa } from 'execa';
import { LifeboatError } from '../core/errors.js';
import type { GrowableFilesystem } from './restore-plan.js';

export interface ToolRun {
  command: string;
  exitCode: number | undefined;
  output: string;
}

/** The tools a filesystem's growth needs, each with the Debian package that has it. */
export function growTools(fs: GrowableFilesystem): Array<{ tool: string; pkg: string }> {
  return fs === 'ntfs'
    ? [
        { tool: 'ntfsresize', pkg: 'ntfs-3g' },
        { tool: 'ntfsfix', pkg: 'ntfs-3g' },
      ]
    : [
        { tool: 'e2fsck', pkg: 'e2fsprogs' },
        { tool: 'resize2fs', pkg: 'e2fsprogs' },
      ];
}

function withSbin(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C' };
}

/** Refuses, before anything is written, when a tool the growth needs is not installed. */
export async function checkGrowTools(fs: GrowableFilesystem): Promise<void> {
  for (const { tool, pkg } of growTools(fs)) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false, env: withSbin() });
    if (found.exitCode !== 0) {
      throw new LifeboatError(
        'CANNOT_GROW',
        `--grow-last needs ${tool} (Debian package ${pkg}), which is not installed. Nothing was written; install it or restore without --grow-last.`,
      );
    }
  }
}

async function run(tool: string, args: string[]): Promise<ToolRun> {
  const result = await execa(tool, args, { reject: false, all: true, stdin: 'ignore', env: withSbin() });
  return { command: `${tool} ${args.join(' ')}`, exitCode: result.exitCode, output: (result.all ?? '').trim() };
}

function failed(device: string, step: ToolRun, what: string): LifeboatError {
  const tail = step.output.split('\n').slice(-6).join(' | ');
  return new LifeboatError(
    'GROW_FAILED',
    `${what} on ${device} failed: \`${step.command}\` exited ${String(step.exitCode)} (${tail}). The restore itself is complete and its partition table already gives the partition the new size; check the filesystem with its own tools before using it.`,
    { details: { device } },
  );
}

/** ntfsfix -n can exit 0 yet report something it would have repaired. */
const NTFSFIX_TROUBLE = /FAILED|BAD|corrupt|does not match/;

/** Grows the filesystem on `device` to fill it and checks it; returns every tool run, in order. */
export async function growFilesystem(device: string, fs: GrowableFilesystem): Promise<ToolRun[]> {
  const runs: ToolRun[] = [];
  const step = async (tool: string, args: string[], ok: (r: ToolRun) => boolean, what: string) => {
    const result = await run(tool, args);
    runs.push(result);
    if (!ok(result)) throw failed(device, result, what);
  };
  if (fs === 'ntfs') {
    await step('ntfsresize', ['--force', '--no-progress-bar', device], (r) => r.exitCode === 0, 'Growing NTFS with ntfsresize');
    await step('ntfsfix', ['--no-action', device], (r) => r.exitCode === 0 && !NTFSFIX_TROUBLE.test(r.output), 'Checking the grown NTFS with ntfsfix');
  } else {
    // 0: clean; 1: e2fsck fixed something (a journal replay of a filesystem captured while in use).
    await step('e2fsck', ['-f', '-p', device], (r) => r.exitCode === 0 || r.exitCode === 1, 'Checking the filesystem before resize2fs with e2fsck');
    await step('resize2fs', [device], (r) => r.exitCode === 0, 'Growing the filesystem with resize2fs');
    await step('e2fsck', ['-f', '-n', device], (r) => r.exitCode === 0, 'Checking the grown filesystem with e2fsck');
  }
  return runs;
}

/**
 * A block device for one partition of an image file, for the tools that cannot take an offset:
 * a loop device limited to the partition's bytes, detached again afterwards.
 */
export async function withImagePartition<T>(file: string, startBytes: number, sizeBytes: number, work: (device: string) => Promise<T>): Promise<T> {
  const attached = await execa('losetup', ['--find', '--show', '--offset', String(startBytes), '--sizelimit', String(sizeBytes), file], {
    reject: false,
    all: true,
    env: withSbin(),
  });
  if (attached.exitCode !== 0) {
    throw new LifeboatError(
      'GROW_FAILED',
      `--grow-last could not attach partition bytes of ${file} to a loop device (${(attached.all ?? '').trim()}). The restore itself is complete; grow the filesystem by hand (losetup -P, then resize2fs or ntfsresize).`,
      { details: { device: file } },
    );
  }
  const device = attached.stdout.trim();
  try {
    return await work(device);
  } finally {
    await execa('losetup', ['--detach', device], { reject: false, env: withSbin() });
  }
}
