import { readFile, writeFile } from 'node:fs/promises';
import { LifeboatError } from '../../core/errors.js';
import { parseJobFile, parseJobSteps, type Job } from '../../live/job-file.js';
import { runJob } from '../../live/run-job.js';
import { ReportedFailure } from '../reported-failure.js';

export interface JobCommandOptions {
  file?: string;
  steps?: string;
  outcomeFile?: string;
  checkOnly: boolean;
}

/**
 * `lifeboat job run --file F | --steps "a; b; then poweroff"`: the live image's unattended jobs
 * (docs/live-image.md). The machine's power is left to the caller (the live system's sysinit), which
 * reads --outcome-file after unmounting the data partition.
 */
export async function jobCommand(options: JobCommandOptions): Promise<void> {
  const { job, source } = await loadJob(options);
  if (options.checkOnly) {
    process.stdout.write(`The job is valid: ${job.steps.length} step(s), then ${job.then} (on failure: ${job.onFailure}).\n`);
    return;
  }
  const result = await runJob({
    job,
    cwd: process.cwd(),
    ...(options.file !== undefined ? { jobFile: options.file } : {}),
    source,
    show: (text) => process.stdout.write(text),
  });
  // "ACTION ok|failed LOG": the live system's sysinit acts on the first word and, after a failure,
  // keeps the message on screen until someone has read it.
  if (options.outcomeFile !== undefined) await writeFile(options.outcomeFile, `${result.action} ${result.ok ? 'ok' : 'failed'} ${result.logPath}\n`);
  if (!result.ok) {
    const failed = result.steps.at(-1);
    throw new ReportedFailure('JOB_FAILED', `The job stopped at ${failed?.where ?? 'a step'}; its log is ${result.logPath}.`);
  }
}

async function loadJob(options: JobCommandOptions): Promise<{ job: Job; source: string }> {
  if ((options.file === undefined) === (options.steps === undefined)) {
    throw new LifeboatError('USAGE', 'job run needs exactly one of --file FILE or --steps "STEP; STEP".');
  }
  if (options.steps !== undefined) return { job: parseJobSteps(options.steps), source: 'the kernel command line (lifeboat.job)' };
  let text;
  try {
    text = await readFile(options.file!, 'utf8');
  } catch (cause) {
    throw new LifeboatError(
      'JOB_INVALID',
      `The job file ${options.file!} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}). Nothing was run.`,
      { cause },
    );
  }
  return { job: parseJobFile(text), source: options.file! };
}
