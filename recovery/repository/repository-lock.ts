/**
 * One writer at a time: `lock` is created with O_EXCL and removed when the writer is done. A lock
 * left by a process that no longer runs on this host is stale and is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RepositoryLock {
  /** A warning when a stale lock was taken over, else null. */
  takenOver: string | null;
  release(): Promise<void>;
}

export async function lockRepository(repoDir: string, command: string): Promise<RepositoryLock> {
  const file = path.join(repoDir, 'lock');
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  let takenOver: string | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(holder));
      await handle.sync();
      await handle.close();
      return { takenOver, release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let other: Partial<LockHolder> = {};
    try {
      other = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    } catch {
      // An empty or torn lock file: its writer died between create and write.
    }
    const sameHost = other.host === holder.host;
    if (attempt === 0 && (other.pid === undefined || (sameHost && !isRunning(other.pid)))) {
      takenOver = `Took over a stale lock left by ${other.pid === undefined ? 'an unknown process' : `pid ${other.pid}`} (${other.command ?? 'unknown command'}, started ${other.startedAt ?? 'at an unknown time'}).`;
      await rm(file, { force: true });
      continue;
    }
    throw new LifeboatError(
      'REPOSITORY_LOCKED',
      `The repository ${repoDir} is being written by pid ${String(other.pid)} on ${other.host ?? 'an unknown host'} (${other.command ?? 'unknown command'}, started ${other.startedAt ?? '?'}); wait for it to finish${sameHost ? '' : `, or delete ${file} if that machine no longer uses this repository`}.`,
    );
  }
  throw new LifeboatError('REPOSITORY_LOCKED', `The repository ${repoDir} stayed locked; try again.`);
}
