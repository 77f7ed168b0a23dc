/** Helpers of the restore crash tests: killing a running restore, and what its target looks like after. */
import { createHash } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { HelperClient } from '../../../recovery/helper/helper-client.js';
import { sfdiskDump } from '../../helpers/fs-checkers.js';
import { sfdiskPartitions } from '../../helpers/loop-device.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, jsonLines, lifeboat, lifeboatAt } from './cli-pipeline.js';

export interface KilledRun {
  exitCode: number | undefined;
  /** True when the signal ended it (false: it had finished before the signal landed). */
  killed: boolean;
  lines: Array<Record<string, unknown>>;
  /** The progress line that triggered the signal. */
  trigger: Record<string, unknown> | null;
}

/**
 * Runs the CLI and sends it `signal` as soon as a JSON line satisfies `when`. Only for what a
 * failpoint cannot do (Ctrl-C: SIGINT, which the CLI handles): crash tests arm a failpoint
 * instead (lifeboatAt), so where the kill lands never depends on the machine's speed.
 */
export async function runAndSignal(
  args: string[],
  kill: { when: (line: Record<string, unknown>) => boolean; signal: 'SIGKILL' | 'SIGINT'; failpoint?: { name: string; hit: number } },
): Promise<KilledRun> {
  const child = kill.failpoint ? lifeboatAt(kill.failpoint.name, kill.failpoint.hit, ...args) : lifeboat(...args);
  let trigger: Record<string, unknown> | null = null;
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const text of complete) {
      if (trigger !== null || text.trim() === '') continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      if (kill.when(line)) {
        trigger = line;
        child.kill(kill.signal);
      }
    }
  });
  const result = await child;
  return { exitCode: result.exitCode, killed: result.signal === kill.signal, lines: jsonLines(result.stdout), trigger };
}

/** What a restore journal slot starts with (docs/image-format.md), computed here, not taken from the engine. */
const JOURNAL_MAGIC = createHash('sha256').update('Lifeboat restore journal').digest().subarray(0, 8);
const JOURNAL_SLOTS = [768 * 1024, 772 * 1024];

/** Whether either journal slot of the region starting at `regionOffsetBytes` holds a record's magic. */
export async function journalOnTarget(device: string, regionOffsetBytes = 0): Promise<boolean> {
  const handle = await open(device, 'r');
  try {
    for (const slot of JOURNAL_SLOTS) {
      const magic = Buffer.alloc(8);
      await handle.read(magic, 0, 8, regionOffsetBytes + slot);
      if (magic.equals(JOURNAL_MAGIC)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * How many periodic checkpoints a restore run is certain to take when a failpoint is armed: one is
 * then due before the first chunk that starts once `everyBytes` (an eighth of the used bytes) more
 * were started since the last, and it waits for them (docs/failpoints.md), whatever the machine's
 * speed. Each checkpoint so records less than everyBytes + one chunk more than the one before it,
 * and the last chance comes before the last chunk starts: a run from `startBytes` takes its
 * (n+1)-th checkpoint for sure while startBytes + n (everyBytes + chunkBytes) + everyBytes <=
 * usedBytes - chunkBytes.
 */
export function certainCheckpoints(run: { usedBytes: number; startBytes: number; chunkBytes: number }): number {
  const everyBytes = Math.ceil(run.usedBytes / 8);
  const room = run.usedBytes - run.chunkBytes - everyBytes - run.startBytes;
  return room < 0 ? 0 : Math.floor(room / (everyBytes + run.chunkBytes)) + 1;
}

/** What a target shows after a kill: its old table, no table at all, or the restored one. */
export type TargetState = 'untouched' | 'no-table' | 'restored' | 'other';

export async function targetState(device: string, decoyDump: string, restoredDump: (dump: string) => boolean): Promise<{ state: TargetState; detail: string }> {
  const dump = await execa('sfdisk', ['--dump', device], { reject: false, all: true });
  const probe = await execa('blkid', ['-p', '-o', 'export', device], { reject: false, all: true });
  if (dump.exitCode !== 0) {
    // blkid exits 2 when it finds nothing at all: no partition table and no filesystem.
    return probe.exitCode === 2 ? { state: 'no-table', detail: '' } : { state: 'other', detail: `no table for sfdisk, but blkid -p found: ${probe.all ?? ''}` };
  }
  const normalized = await sfdiskDump(device);
  if (normalized === decoyDump) return { state: 'untouched', detail: '' };
  if (restoredDump(normalized)) return { state: 'restored', detail: '' };
  return { state: 'other', detail: `sfdisk -d shows a table that is neither the old nor the restored one:\n${normalized}\nblkid: ${probe.all ?? ''}` };
}

/** The first and last MiB of a disk holding a valid GPT with another layout than the snapshot's. */
export interface Decoy {
  head: Buffer;
  tail: Buffer;
  /** Its table as sfdiskDump prints it. */
  dump: string;
}

/** Made once on an image file (sgdisk on a loop device waits for the kernel, seconds each time). */
export async function makeDecoy(file: string): Promise<Decoy> {
  await execa('sgdisk', ['-n', '1:2048:+16M', '-t', '1:8300', '-c', '1:decoy', '-n', '2:0:+8M', '-t', '2:0700', file]);
  const bytes = await readFile(file);
  return { head: bytes.subarray(0, MiB), tail: bytes.subarray(bytes.length - MiB), dump: await sfdiskDump(file) };
}

/** Puts the decoy's table on `device` (same size as the decoy's file), so an untouched target is recognisable. */
export async function writeDecoy(device: string, decoy: Decoy): Promise<void> {
  const handle = await open(device, 'r+');
  try {
    const size = Number((await execa('blockdev', ['--getsize64', device])).stdout);
    await handle.write(decoy.head, 0, decoy.head.length, 0);
    await handle.write(decoy.tail, 0, decoy.tail.length, size - decoy.tail.length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Adds `files` incompressible files of `fileMiB` MiB to an ext4 filesystem, so a restore has enough to write. */
export async function addBulk(device: string, files: number, fileMiB: number): Promise<void> {
  await withMount(device, 'ext4', 'rw', async (root) => {
    for (let i = 0; i < files; i++) await writeFile(path.join(root, `bulk-${i}.bin`), seededBytes(1000 + i, fileMiB * MiB));
  });
  await execa('blockdev', ['--flushbufs', device]);
}

export function errorCode(lines: Array<Record<string, unknown>>): string | null {
  const error = lines.find((line) => 'error' in line)?.['error'] as { code?: string } | undefined;
  return error?.code ?? null;
}

/**
 * Makes the kernel's partition devices match the table on `device` now (a killed restore never
 * asked for it), and drops every cached page, so the checkers read what is on the backing file.
 */
export async function showPartitions(device: string): Promise<void> {
  const helper = new HelperClient();
  try {
    await helper.rereadPartitions(device, await sfdiskPartitions(device));
  } finally {
    await helper.close();
  }
  const { stdout } = await execa('lsblk', ['--noheadings', '--raw', '--output', 'PATH', device]);
  for (const node of stdout.split('\n').filter(Boolean)) await execa('blockdev', ['--flushbufs', node]);
}
