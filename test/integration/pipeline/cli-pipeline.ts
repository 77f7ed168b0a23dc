/** Shared bits of the pipeline tests: running the built CLI and hashing files or devices. */
import path from 'node:path';
import { execa } from 'execa';

export const MiB = 1024 * 1024;
const CLI = path.resolve(import.meta.dirname, '../../../build/recovery/cli/main.js');

export function lifeboat(...args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, env: { NO_COLOR: '1' } });
}

/**
 * Runs the CLI with a failpoint armed (LIFEBOAT_FAILPOINT=NAME:N, docs/failpoints.md): the run
 * dies by SIGKILL the N-th time it reaches NAME, at the same step on every machine.
 */
export function lifeboatAt(point: string, hit: number, ...args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, env: { NO_COLOR: '1', LIFEBOAT_FAILPOINT: `${point}:${hit}` } });
}

/** The JSON lines of a --json run, parsed. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function resultOf(stdout: string): Record<string, unknown> {
  const result = jsonLines(stdout).find((line) => line['type'] === 'result');
  if (!result) throw new Error(`no result line in: ${stdout.slice(-500)}`);
  return result;
}

export { sha256File } from '../../helpers/file-hash.js';

/** A small GPT disk: ext4 with files (partition 1) and FAT32 (partition 2), on a loop device. */
export async function smallGptDisk(
  scratch: { sparseFile(n: string, s: number): Promise<string>; attachPartitioned(f: string): Promise<string>; mount(d: string, n: string): Promise<string> },
  name: string,
  sizeBytes = 96 * MiB,
): Promise<{ file: string; device: string }> {
  const file = await scratch.sparseFile(name, sizeBytes);
  await execa('sfdisk', ['-q', file], { input: 'label: gpt\nsize=48M, type=linux\nsize=32M, type=uefi\n' });
  const device = await scratch.attachPartitioned(file);
  await execa('mkfs.ext4', ['-q', '-F', '-L', 'data', `${device}p1`]);
  await execa('mkfs.fat', ['-F', '32', '-n', 'ESP', `${device}p2`]);
  const mountpoint = await scratch.mount(`${device}p1`, `${name}-mnt`);
  await execa('sh', [
    '-c',
    `for i in $(seq 1 40); do head -c $((i * 7000)) /dev/urandom > "${mountpoint}/file-$i"; done; mkdir -p "${mountpoint}/dir/sub"; seq 1 200000 > "${mountpoint}/dir/sub/numbers.txt"; sync`,
  ]);
  await execa('umount', [mountpoint]);
  return { file, device };
}
