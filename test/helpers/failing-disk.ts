/**
 * A real failing disk for tests: the image file is served through FUSE by failing-disk.c, which
 * answers EIO for any read touching the chosen 512-byte sectors, and the FUSE file is attached to
 * a read-only loop device. Before handing it out, dd proves each bad sector really fails with
 * EIO through the loop device and that its neighbour reads, so a test never trusts a device that
 * does not fail where it should.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { Scratch } from './loop-device.js';
import { waitUntil } from './poll.js';

const SOURCE = path.resolve(import.meta.dirname, 'native/failing-disk.c');

export interface SectorRange {
  firstSector: number;
  sectorCount: number;
}

export interface FailingDisk {
  /** The loop device whose reads fail at the bad sectors. */
  device: string;
  /** Detaches the loop device, unmounts the FUSE file and waits for the server to end. Safe to call twice. */
  stop(): Promise<void>;
}

/** Compiles failing-disk.c into `dir` (needs gcc, pkg-config and libfuse3-dev). */
export async function buildFailingDiskServer(dir: string): Promise<string> {
  const flags = await execa('pkg-config', ['--cflags', '--libs', 'fuse3'], { reject: false });
  if (flags.exitCode !== 0) throw new Error(`pkg-config cannot find fuse3; install libfuse3-dev (build-scripts/install-test-deps.sh): ${flags.stderr}`);
  const binary = path.join(dir, 'failing-disk');
  await execa('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, SOURCE, ...flags.stdout.trim().split(/\s+/)]);
  return binary;
}

async function isMountPoint(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[4] === dir);
}

/** dd of one sector with O_DIRECT: true when it reads, false when it fails with an I/O error. */
export async function sectorReads(device: string, sector: number): Promise<boolean> {
  const result = await execa('dd', [`if=${device}`, 'of=/dev/null', 'bs=512', `skip=${sector}`, 'count=1', 'iflag=direct', 'status=none'], { reject: false });
  if (result.exitCode === 0) return true;
  if (/Input\/output error/.test(result.stderr)) return false;
  throw new Error(`dd of sector ${sector} of ${device} failed for another reason: ${result.stderr}`);
}

/** Serves `image` with `bad` sectors failing and attaches it; call stop() in a finally. */
export async function startFailingDisk(scratch: Scratch, image: string, bad: readonly SectorRange[]): Promise<FailingDisk> {
  const binary = await buildFailingDiskServer(scratch.dir);
  const mountpoint = path.join(scratch.dir, 'failing-disk-mnt');
  await mkdir(mountpoint, { recursive: true });
  const spec = bad.length === 0 ? '-' : bad.map((r) => `${r.firstSector}+${r.sectorCount}`).join(',');
  const server: ResultPromise = execa(binary, [image, spec, mountpoint], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false });
  let device: string | null = null;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (device !== null) await scratch.detach(device).catch(() => execa('losetup', ['--detach', device as string], { reject: false }));
    await execa('fusermount3', ['-u', mountpoint], { reject: false });
    // Only a server that hangs after its unmount is killed; how soon does not decide any verdict.
    const timer = setTimeout(() => server.kill('SIGKILL'), 60_000);
    await server;
    clearTimeout(timer);
  };
  try {
    await waitUntil(`failing-disk to mount ${image} on ${mountpoint}`, () => isMountPoint(mountpoint), {
      hopeless: async () => (server.exitCode === null ? null : `failing-disk exited: ${String((await server).stderr)}`),
    });
    device = await scratch.attach(path.join(mountpoint, 'disk'), { readOnly: true });
    for (const range of bad) {
      if (await sectorReads(device, range.firstSector)) throw new Error(`sector ${range.firstSector} of ${device} reads, but failing-disk was told it is bad`);
      if (
        range.firstSector > 0 &&
        !(await sectorReads(device, range.firstSector - 1)) &&
        !bad.some((r) => r.firstSector <= range.firstSector - 1 && range.firstSector - 1 < r.firstSector + r.sectorCount)
      ) {
        throw new Error(`sector ${range.firstSector - 1} of ${device} fails, but only ${range.firstSector} should`);
      }
    }
    return { device, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
