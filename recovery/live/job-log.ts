/**
 * The job's log: written next to the image (beside the first repository a step names), so the
 * person who collects the stick finds what happened with the image itself. Each write is appended
 * and synced, because the job may end with the power going off.
 */
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Job } from './job-file.js';

/** The directory the log belongs in: beside the first step's --repo, else beside the job file. */
export function logDirectory(job: Job, cwd: string, jobFile: string | undefined): string {
  for (const step of job.steps) {
    const i = step.args.indexOf('--repo');
    const repo = i >= 0 ? step.args[i + 1] : step.args.find((arg) => arg.startsWith('--repo='))?.slice('--repo='.length);
    if (repo !== undefined) return dirname(resolve(cwd, repo));
  }
  return jobFile !== undefined ? dirname(resolve(cwd, jobFile)) : cwd;
}

/** lifeboat-job-20261122-093015.log, in local time: the clock a technician reads. */
export function logFileName(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `lifeboat-job-${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}.log`;
}

export class JobLog {
  private constructor(readonly path: string) {}

  static create(directory: string, at: Date): JobLog {
    mkdirSync(directory, { recursive: true });
    const log = new JobLog(join(directory, logFileName(at)));
    closeSync(openSync(log.path, 'wx'));
    return log;
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
