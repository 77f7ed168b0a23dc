/**
 * The unattended job format of the live image (docs/live-image.md): a text file, or the kernel
 * command line's `lifeboat.job="..."`, listing lifeboat commands to run one after the other, then
 * what to do with the machine. Pure: text in, a checked job out, so a wrong job is refused with its
 * line number before any step runs.
 *
 *   # capture this PC to the stick, then switch it off
 *   capture --source /dev/nvme0n1 --repo images/pc-114
 *   then poweroff
 */
import { LifeboatError } from '../core/errors.js';

export type JobAction = 'poweroff' | 'reboot' | 'menu' | 'shell';

export interface JobStep {
  /** The arguments after `lifeboat`, as a command line would split them. */
  args: string[];
  /** Where it was written: "line 3" or "step 2". */
  where: string;
}

export interface Job {
  steps: JobStep[];
  /** What to do after every step succeeded. */
  then: JobAction;
  /** What to do when a step failed: by default stay on, showing the error, until someone looks. */
  onFailure: JobAction;
}

/** The commands a job may run. Interactive ones (the TUI) and `job` itself are not among them. */
export const JOB_COMMANDS = new Set(['capture', 'restore', 'verify', 'clone', 'check', 'repair', 'snapshots', 'inspect', 'disks', 'forget', 'prune', 'media']);
const ACTIONS = new Set<JobAction>(['poweroff', 'reboot', 'menu', 'shell']);
const MAX_JOB_BYTES = 64 * 1024;
const MAX_STEPS = 100;

/** A job file's text. */
export function parseJobFile(text: string): Job {
  return parseJob(
    text.split(/\r?\n/).map((line, i) => ({ text: line, where: `line ${i + 1}` })),
    text.length,
  );
}

/** The kernel command line form: steps separated by `;`. */
export function parseJobSteps(text: string): Job {
  return parseJob(
    text.split(';').map((part, i) => ({ text: part, where: `step ${i + 1}` })),
    text.length,
  );
}

function parseJob(lines: Array<{ text: string; where: string }>, length: number): Job {
  if (length > MAX_JOB_BYTES) invalid(`The job is ${length} bytes; a job holds at most ${MAX_JOB_BYTES}.`);
  const job: Job = { steps: [], then: 'menu', onFailure: 'menu' };
  let seenThen = false;
  for (const { text, where } of lines) {
    const words = splitWords(text.trim(), where);
    if (words.length === 0 || words[0]!.startsWith('#')) continue;
    const [first, ...rest] = words as [string, ...string[]];
    if (first === 'then' || first === 'on-failure') {
      const action = rest[0] as JobAction | undefined;
      if (rest.length !== 1 || action === undefined || !ACTIONS.has(action)) invalid(`${where}: \`${first}\` takes one of ${[...ACTIONS].join(', ')}.`);
      if (first === 'then') {
        job.then = action;
        seenThen = true;
      } else job.onFailure = action;
      continue;
    }
    if (seenThen) invalid(`${where}: \`${first}\` comes after \`then\`; the \`then\` line must be the last step.`);
    const command = first === 'lifeboat' ? rest[0] : first;
    const args = first === 'lifeboat' ? rest : words;
    if (command === undefined || !JOB_COMMANDS.has(command)) {
      invalid(`${where}: \`${command ?? ''}\` is not a command a job can run; use one of ${[...JOB_COMMANDS].join(', ')}.`);
    }
    job.steps.push({ args, where });
    if (job.steps.length > MAX_STEPS) invalid(`The job has more than ${MAX_STEPS} steps.`);
  }
  if (job.steps.length === 0) invalid('The job has no steps: write one lifeboat command per line, e.g. `capture --source /dev/sda --repo images/pc1`.');
  return job;
}

/** Splits like a POSIX shell without expansions: spaces separate, quotes group, backslash escapes. */
export function splitWords(line: string, where: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) invalid(`${where}: a ${quote} quote is not closed.`);
  if (inWord) words.push(word);
  return words;
}

function invalid(message: string): never {
  throw new LifeboatError('JOB_INVALID', `${message} Nothing was run.`);
}
