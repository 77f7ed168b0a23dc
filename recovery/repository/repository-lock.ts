/**
 * One writer at a time: `lock` is created with O_EXCL and removed when the writer is done. A lock
 * whose process is gone is stale and is taken over: the pid no longer runs, or it runs but is
 * another process (a different start time, or this machine booted since: the live system of a
 * USB stick reuses pids after every boot and always has the same host name).
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';
import { processAlive } from '../core/process-alive.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Linux: /proc/sys/kernel/random/boot_id, so a lock from before a reboot is known as stale. */
  bootId?: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/PID/stat field 22). */
  startTicks?: number;
}

/** A lock file being written is empty for an instant; one still empty after this long lost its writer. */
const TORN_LOCK_GRACE_MS = 2000;

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function bootId(): string | null {
  return readText('/proc/sys/kernel/random/boot_id');
}

function startTicks(pid: number): number | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const value = Number(fields[19]);
  return Number.isSafeInteger(value) ? value : null;
}

export type LockState =
  | { kind: 'none' }
  /** The holder runs now (or runs on another host, where we cannot tell). */
  | { kind: 'held'; holder: Partial<LockHolder>; sameHost: boolean }
  | { kind: 'stale'; holder: Partial<LockHolder>; why: string }
  /** Empty or not JSON: its writer died between creating and filling it, or is filling it now. */
  | { kind: 'torn'; ageMs: number };

export async function readLockState(repoDir: string): Promise<LockState> {
  const file = path.join(repoDir, 'lock');
  let text: string;
  let ageMs: number;
  try {
    const stats = await stat(file);
    // A FIFO or device named lock would block a read; a real lock is a small plain file.
    if (!stats.isFile() || stats.size > 64 * 1024) return { kind: 'torn', ageMs: Number.POSITIVE_INFINITY };
    ageMs = Date.now() - stats.mtimeMs;
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw error;
  }
  let holder: Partial<LockHolder>;
  try {
    holder = JSON.parse(text) as Partial<LockHolder>;
  } catch {
    return { kind: 'torn', ageMs };
  }
  if (holder === null || typeof holder !== 'object' || !Number.isSafeInteger(holder.pid)) return { kind: 'torn', ageMs };
  const pid = holder.pid as number;
  if (holder.host !== os.hostname()) return { kind: 'held', holder, sameHost: false };
  const boot = bootId();
  if (holder.bootId && boot && holder.bootId !== boot) return { kind: 'stale', holder, why: 'this machine has restarted since' };
  if (!processAlive(pid)) return { kind: 'stale', holder, why: `pid ${pid} no longer runs` };
  const ticks = startTicks(pid);
  if (holder.startTicks !== undefined && ticks !== null && holder.startTicks !== ticks)
    return { kind: 'stale', holder, why: `pid ${pid} is now another program` };
  return { kind: 'held', holder, sameHost: true };
}

export interface RepositoryLock {
  /** A warning when a stale lock was taken over, else null. */
  takenOver: string | null;
  release(): Promise<void>;
}

function describeHolder(holder: Partial<LockHolder>): string {
  return `${holder.pid === undefined ? 'an unknown process' : `pid ${holder.pid}`} (${holder.command ?? 'unknown command'}, started ${holder.startedAt ?? 'at an unknown time'})`;
}

export async function lockRepository(repoDir: string, command: string): Promise<RepositoryLock> {
  const file = path.join(repoDir, 'lock');
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  const boot = bootId();
  const ticks = startTicks(process.pid);
  if (boot) holder.bootId = boot;
  if (ticks !== null) holder.startTicks = ticks;
  let takenOver: string | null = null;
  const deadline = Date.now() + TORN_LOCK_GRACE_MS + 1000;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(holder));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { takenOver, release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const state = await readLockState(repoDir);
    if (state.kind === 'none') continue;
    if (state.kind === 'held') {
      const other = state.holder;
      throw new LifeboatError(
        'REPOSITORY_LOCKED',
        `The repository ${repoDir} is being written by pid ${String(other.pid)} on ${other.host ?? 'an unknown host'} (${other.command ?? 'unknown command'}, started ${other.startedAt ?? '?'}); wait for it to finish${state.sameHost ? '' : `, or delete ${file} if that machine no longer uses this repository`}.`,
      );
    }
    if (state.kind === 'torn' && state.ageMs < TORN_LOCK_GRACE_MS) {
      if (Date.now() > deadline) throw new LifeboatError('REPOSITORY_LOCKED', `The repository ${repoDir} stayed locked; try again.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (takenOver !== null) throw new LifeboatError('REPOSITORY_LOCKED', `The repository ${repoDir} stayed locked; try again.`);
    takenOver =
      state.kind === 'stale'
        ? `Took over a stale lock left by ${describeHolder(state.holder)}: ${state.why}.`
        : 'Took over a lock file that its writer never finished (it was killed while creating it).';
    await rm(file, { force: true });
  }
}
