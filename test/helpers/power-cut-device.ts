/**
 * A recording block device for the power-cut harness: an image file served through FUSE by
 * recording-disk.c, which logs every write and every flush barrier, attached to a loop device with
 * direct I/O (so the loop driver's own page cache neither hides nor merges writes). Everything a
 * filesystem or a restore does to the loop device lands in the log, in order.
 */
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { Scratch } from './loop-device.js';
import { waitUntil } from './poll.js';

const SOURCE = path.resolve(import.meta.dirname, 'native/recording-disk.c');

export interface RecordingDevice {
  /** The loop device to use as a disk. */
  device: string;
  /** A copy of the image as it was before the first write: the base of every cut state. */
  initialImage: string;
  /** The log file (power-cut-log.ts reads it). */
  logFile: string;
  /** How many bytes the log holds now: a mark between two commands. */
  logBytes(): Promise<number>;
  /** Detaches the loop device, unmounts the FUSE file and waits for the server. Safe to call twice. */
  stop(): Promise<void>;
}

/** Compiles recording-disk.c into `dir` (needs gcc, pkg-config and libfuse3-dev). */
export async function buildRecordingServer(dir: string): Promise<string> {
  const flags = await execa('pkg-config', ['--cflags', '--libs', 'fuse3'], { reject: false });
  if (flags.exitCode !== 0) throw new Error(`pkg-config cannot find fuse3; install libfuse3-dev (build-scripts/install-test-deps.sh): ${flags.stderr}`);
  const binary = path.join(dir, 'recording-disk');
  await execa('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, SOURCE, ...flags.stdout.trim().split(/\s+/)]);
  return binary;
}

async function isMountPoint(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[4] === dir);
}

/** Serves `image` (read-write) with recording on, attached with direct I/O; call stop() in a finally. */
export async function startRecordingDevice(scratch: Scratch, image: string, name = 'recording'): Promise<RecordingDevice> {
  const binary = await buildRecordingServer(scratch.dir);
  const mountpoint = path.join(scratch.dir, `${name}-fuse`);
  const logFile = path.join(scratch.dir, `${name}.log`);
  const initialImage = path.join(scratch.dir, `${name}-initial.img`);
  await mkdir(mountpoint, { recursive: true });
  await copyFile(image, initialImage);
  const server: ResultPromise = execa(binary, [image, logFile, mountpoint], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false });
  let device: string | null = null;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (device !== null) await execa('losetup', ['--detach', device], { reject: false });
    await execa('fusermount3', ['-u', mountpoint], { reject: false });
    // Only a server that hangs after its unmount is killed; how soon does not decide any verdict.
    const timer = setTimeout(() => server.kill('SIGKILL'), 60_000);
    await server;
    clearTimeout(timer);
  };
  try {
    await waitUntil(`recording-disk to mount ${image} on ${mountpoint}`, () => isMountPoint(mountpoint), {
      hopeless: async () => (server.exitCode === null ? null : `recording-disk exited: ${String((await server).stderr)}`),
    });
    const { stdout } = await execa('losetup', ['--find', '--show', '--direct-io=on', path.join(mountpoint, 'disk')]);
    device = stdout.trim();
    const dio = await execa('losetup', ['--noheadings', '--output', 'DIO', device]);
    if (dio.stdout.trim() !== '1') throw new Error(`${device} did not take direct I/O (losetup DIO=${dio.stdout.trim()}): the page cache would merge writes`);
    return { device, initialImage, logFile, logBytes: async () => (await stat(logFile)).size, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
