/**
 * Runs an unattended job: each step as a child lifeboat process, its output shown and logged, the
 * first failure ending the job. Returns what should happen to the machine; the live system's
 * sysinit does it once the data partition is unmounted.
 */
import { execa } from 'execa';
import { hostname, networkInterfaces } from 'node:os';
import { LIFEBOAT_VERSION } from '../core/version.js';
import type { Job, JobAction } from './job-file.js';
import { JobLog, logDirectory } from './job-log.js';
import { selfCommand } from './self-command.js';

export interface JobRunOptions {
  job: Job;
  /** Relative paths in the steps are relative to this (the data partition on the live system). */
  cwd: string;
  jobFile?: string;
  /** Where the job's text came from, for the log's header. */
  source: string;
  /** Everything shown to the person at the console. */
  show: (text: string) => void;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface JobRunResult {
  ok: boolean;
  action: JobAction;
  logPath: string;
  steps: Array<{ where: string; args: string[]; exitCode: number; durationSeconds: number }>;
}

export async function runJob(options: JobRunOptions): Promise<JobRunResult> {
  const now = options.now ?? (() => new Date());
  const log = JobLog.create(logDirectory(options.job, options.cwd, options.jobFile), now());
  const both = (text: string) => {
    options.show(text);
    log.append(text);
  };
  both(`Lifeboat ${LIFEBOAT_VERSION} unattended job on ${hostname()}, started ${now().toISOString()}\n`);
  both(`Job from ${options.source}; ${options.job.steps.length} step(s), then ${options.job.then} (on failure: ${options.job.onFailure}).\n`);
  both(`Network: ${networkSummary()}\n`);
  both(`Log: ${log.path}\n`);
  log.sync();

  const [program, prefix] = selfCommand();
  const steps: JobRunResult['steps'] = [];
  let ok = true;
  for (const [i, step] of options.job.steps.entries()) {
    const started = Date.now();
    both(`\n== step ${i + 1}/${options.job.steps.length} (${step.where}): lifeboat ${step.args.map(quoteForLog).join(' ')}\n`);
    const child = execa(program, [...prefix, ...step.args], {
      cwd: options.cwd,
      reject: false,
      stdin: 'ignore',
      all: true,
      buffer: false,
      env: { LIFEBOAT_JOB_STEP: String(i + 1) },
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    child.all?.on('data', (chunk: Buffer) => both(chunk.toString('utf8')));
    const result = await child;
    const durationSeconds = (Date.now() - started) / 1000;
    const exitCode = result.exitCode ?? 1;
    steps.push({ where: step.where, args: step.args, exitCode, durationSeconds });
    both(
      `== step ${i + 1} ${exitCode === 0 ? 'succeeded' : `FAILED (exit code ${exitCode}${result.signal ? `, ${result.signal}` : ''})`} after ${durationSeconds.toFixed(1)} s\n`,
    );
    log.sync();
    if (exitCode !== 0) {
      ok = false;
      break;
    }
  }
  const action = ok ? options.job.then : options.job.onFailure;
  both(`\nJob ${ok ? 'finished' : 'stopped at a failed step'} at ${now().toISOString()}; next: ${action}.\n`);
  log.sync();
  return { ok, action, logPath: log.path, steps };
}

/** "eth0 192.0.2.7/24": which machine wrote the log, when several are imaged at once. */
function networkSummary(): string {
  const addresses = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((address) => !address.internal && address.family === 'IPv4').map((address) => `${name} ${address.cidr ?? address.address}`),
  );
  return addresses.length > 0 ? addresses.join(', ') : 'none';
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
