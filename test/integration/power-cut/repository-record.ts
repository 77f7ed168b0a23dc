/**
 * Records a repository's life on a recording device (test/helpers/power-cut-device.ts): ext4 made
 * on it, mounted, then the built CLI runs capture, an incremental capture, forget + prune and
 * repair into a repository there. Returns the write log and, for each command, the log positions
 * where it started and ended, so every barrier can be traced to the command that caused it.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { Scratch } from '../../helpers/loop-device.js';
import { startRecordingDevice } from '../../helpers/power-cut-device.js';
import { readWriteLog, type WriteLog } from '../../helpers/power-cut-log.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, resultOf } from '../pipeline/cli-pipeline.js';
import { dataDisk } from '../repository/repository-cli.js';
import { recordedCli } from './recorded-cli.js';

export type RepositoryCommand = 'capture' | 'incremental capture' | 'forget + prune' | 'repair';

export interface RecordedCommand {
  name: RepositoryCommand;
  startByte: number;
  endByte: number;
}

export interface RepositoryRecording {
  log: WriteLog;
  initialImage: string;
  commands: RecordedCommand[];
  /** The source image each capture read (the incremental one changed a few files). */
  sources: { first: string; second: string };
  /** Snapshot id -> log position when its capture had exited with success. */
  finishedAt: Map<string, number>;
  /** Snapshot id -> log position when the command that forgets it started. */
  forgottenFrom: Map<string, number>;
  /** Where the repository is, relative to the root of the recorded filesystem. */
  repoInFs: string;
  /** Size of the recorded device. */
  deviceBytes: number;
}

export const DEVICE_BYTES = 64 * MiB;
/** Small packs, so a capture writes several and the cuts land between packs too. */
const PACK_BYTES = MiB;

/** Two versions of a small GPT + ext4 source disk: the second has a file changed and one added. */
async function sources(scratch: Scratch): Promise<{ first: string; second: string }> {
  const { file } = await dataDisk(scratch, 'source-1.img', 24 * MiB, 2, 1);
  const second = path.join(scratch.dir, 'source-2.img');
  await copyFile(file, second);
  const device = await scratch.attachPartitioned(second);
  await withMount(`${device}p1`, 'ext4', 'rw', async (root) => {
    await writeFile(path.join(root, 'random-0.bin'), Buffer.alloc(300_000, 0x5a));
    await writeFile(path.join(root, 'added.txt'), 'a file added after the first capture\n'.repeat(2000));
  });
  await execa('blockdev', ['--flushbufs', `${device}p1`]);
  await execa('blockdev', ['--flushbufs', device]);
  await scratch.detach(device);
  return { first: file, second };
}

async function run(what: string, ...args: string[]): Promise<Record<string, unknown> | null> {
  const result = await recordedCli(...args);
  expect(result.exitCode, `${what}: ${result.stdout.slice(-800)}\n${result.stderr.slice(-800)}`).toBe(0);
  return args.includes('--json') && args[0] === 'capture' ? resultOf(result.stdout) : null;
}

export async function recordRepositoryLife(scratch: Scratch): Promise<RepositoryRecording> {
  const src = await sources(scratch);
  const image = await scratch.sparseFile('repository-device.img', DEVICE_BYTES);
  // No lazy initialisation: a background thread writing inode tables would add writes no command made.
  await execa('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image]);
  const recording = await startRecordingDevice(scratch, image, 'repository');
  const mountpoint = path.join(scratch.dir, 'repository-fs');
  const repoInFs = 'repo';
  const repo = path.join(mountpoint, repoInFs);
  const commands: RecordedCommand[] = [];
  const finishedAt = new Map<string, number>();
  const forgottenFrom = new Map<string, number>();
  let mounted = false;
  try {
    await execa('mkdir', ['-p', mountpoint]);
    // A long commit interval: journal commits come from the commands' fsyncs, not from a timer.
    // data=writeback and noauto_da_alloc take away what ext4 does for programs that forget an
    // fsync (data before the metadata that names it; a flush on rename over a file): Lifeboat's
    // own fsyncs must carry every ordering rule.
    await execa('mount', ['-t', 'ext4', '-o', 'commit=600,data=writeback,noauto_da_alloc', recording.device, mountpoint]);
    mounted = true;
    const step = async (name: RepositoryCommand, body: () => Promise<void>): Promise<void> => {
      const startByte = await recording.logBytes();
      await body();
      commands.push({ name, startByte, endByte: await recording.logBytes() });
    };
    const captureFrom = async (source: string): Promise<void> => {
      const result = await run('capture', 'capture', '--source', source, '--repo', repo, '--pack-size', String(PACK_BYTES), '--json');
      finishedAt.set(String(result?.['snapshot']), await recording.logBytes());
    };
    await step('capture', () => captureFrom(src.first));
    await step('incremental capture', () => captureFrom(src.second));
    const [first] = [...finishedAt.keys()];
    await step('forget + prune', async () => {
      forgottenFrom.set(first as string, await recording.logBytes());
      await run('forget', 'forget', '--repo', repo, '--snapshot', first as string);
      await run('prune', 'prune', '--repo', repo);
    });
    await step('repair', () => run('repair', 'repair', '--repo', repo).then(() => undefined));
  } finally {
    if (mounted) await execa('umount', [mountpoint], { reject: false });
    await recording.stop();
  }
  return {
    log: await readWriteLog(recording.logFile),
    initialImage: recording.initialImage,
    commands,
    sources: src,
    finishedAt,
    forgottenFrom,
    repoInFs,
    deviceBytes: DEVICE_BYTES,
  };
}
