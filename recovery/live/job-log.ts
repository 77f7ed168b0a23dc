/**
 * The job's log: written next to the image (beside the first repository a step names), so the
 * person who collects the stick finds what happened with the image itself. Each write is appended
 * and synced, because the job may end with the power going off.
 */
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LifeboatError } from '../core/errors.js';
import type { Job } from './job-file.js';

/** How many logs one second may start in one directory before Lifeboat gives up looking for a free name. */
const MAX_LOGS_PER_SECOND = 1000;

/** The directory the log belongs in: beside the first step's --repo, else beside the job file. */
export function logDirectory(job: Job, cwd: string, jobFile: string | undefined): string {
  for (const step of job.steps) {
    const i = step.args.indexOf('--repo');
    const repo = i >= 0 ? step.args[i + 1] : step.args.find((arg) => arg.startsWith('--repo='))?.slice('--repo='.length);
    if (repo !== undefined) return dirname(resolve(cwd, repo));
  }
  return jobFile !== undefined ? dirname(resolve(cwd, jobFile)) : cwd;
}

/**
 * lifeboat-job-20261122-093015.log, in local time: the clock a technician reads. The second job
 * started in the same second (a job that failed fast and was run again, two consoles, two
 * machines writing beside one repository on a share) gets -2, the third -3, and so on: the clock
 * alone never names a log.
 */
export function logFileName(at: Date, sequence = 1): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`;
  return `lifeboat-job-${stamp}${sequence === 1 ? '' : `-${sequence}`}.log`;
}

function osCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export class JobLog {
  private constructor(readonly path: string) {}

  /**
   * Creates a new log, never overwriting one: the name is claimed with O_EXCL, so two processes
   * racing for one name each end up with a file of their own.
   */
  static create(directory: string, at: Date): JobLog {
    try {
      mkdirSync(directory, { recursive: true });
      for (let sequence = 1; sequence <= MAX_LOGS_PER_SECOND; sequence++) {
        const log = new JobLog(join(directory, logFileName(at, sequence)));
        try {
          closeSync(openSync(log.path, 'wx'));
          return log;
        } catch (error) {
          if (osCode(error) !== 'EEXIST') throw error;
        }
      }
    } catch (error) {
      throw new LifeboatError(
        'JOB_LOG_FAILED',
        `Lifeboat cannot create the job's log in ${directory} (${osCode(error) ?? String(error)}), so the job was not started. Make that folder writable (is the stick or share read-only or full?), or name a --repo on another drive.`,
        { cause: error, details: { device: directory } },
      );
    }
    throw new LifeboatError(
      'JOB_LOG_FAILED',
      `${directory} already holds ${MAX_LOGS_PER_SECOND} job logs started at ${at.toISOString()}, so the job was not started. Move old lifeboat-job-*.log files away and run the job again.`,
      { details: { device: directory } },
    );
  }

  append(text: string): void {
    appendFileSync(this.path, text);
  }

  /** Makes everything appended so far durable. */
  sync(): void {
    const fd = openSync(this.path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
