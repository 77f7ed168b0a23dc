/**
 * Runs one measured step, a bash script, and says what it cost. Wall time: from spawn to exit.
 * CPU time: user + system of the whole script as GNU time reports it for bash, which includes
 * every process of every pipeline (each is a reaped descendant). Peak memory: each heavy process
 * is wrapped in GNU time (`timed(name, command)`), which reports its maximum resident set (all its
 * threads, and its own reaped children). Processes of one pipeline run at the same time, so a
 * pipeline's peak is the sum of its processes' peaks (an upper bound: their peaks may not
 * coincide); pipelines run one after the other, so the step's peak is the largest pipeline's.
 * A script of one command (Lifeboat) is one process: its peak is its own.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';

const TIME_FORMAT = '%e %U %S %M';

export interface ProcessUsage {
  name: string;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
}

export interface StepUsage {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  processes: ProcessUsage[];
}

export interface StepRun extends StepUsage {
  stdout: string;
}

/** `command` (shell words) run under GNU time, its usage recorded as `name`. */
export function timed(name: string, command: string): string {
  return `/usr/bin/time -f '${TIME_FORMAT}' -o "$STATS/${name}" ${command}`;
}

function parseTime(name: string, text: string): ProcessUsage {
  // GNU time puts "Command exited with non-zero status N" before its line when the command failed.
  const line = text.trim().split('\n').at(-1) ?? '';
  const [wall, user, system, rssKiB] = line.split(' ').map(Number);
  if ([wall, user, system, rssKiB].some((n) => n === undefined || Number.isNaN(n)))
    throw new Error(`GNU time wrote no usage for ${name}: ${JSON.stringify(text)}`);
  return { name, wallSeconds: wall as number, cpuSeconds: (user as number) + (system as number), maxRssBytes: (rssKiB as number) * 1024 };
}

export interface RunOptions {
  /** A scratch directory for the usage files. */
  dir: string;
  /** The names of the processes that run at the same time, one list per pipeline. */
  pipelines?: string[][];
  dropCaches: boolean;
  env?: Record<string, string>;
}

export async function runTimed(script: string, options: RunOptions): Promise<StepRun> {
  const stats = path.join(options.dir, 'usage');
  await rm(stats, { recursive: true, force: true });
  await mkdir(stats, { recursive: true });
  if (options.dropCaches) {
    await execa('sync');
    await writeFile('/proc/sys/vm/drop_caches', '3\n');
  }
  const started = performance.now();
  const child = await execa('/usr/bin/time', ['-f', TIME_FORMAT, '-o', path.join(stats, 'whole script'), 'bash', '-euo', 'pipefail', '-c', script], {
    env: { ...options.env, STATS: stats },
    reject: false,
    maxBuffer: 256 * 1024 ** 2,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (child.exitCode !== 0)
    throw new Error(`the step failed (exit ${String(child.exitCode)}):\n${script}\n${child.stderr.slice(-4000)}\n${child.stdout.slice(-2000)}`);
  const whole = parseTime('whole script', await readFile(path.join(stats, 'whole script'), 'utf8'));
  const processes: ProcessUsage[] = [];
  for (const name of (await readdir(stats)).sort()) {
    if (name !== 'whole script') processes.push(parseTime(name, await readFile(path.join(stats, name), 'utf8')));
  }
  const rss = new Map(processes.map((p) => [p.name, p.maxRssBytes]));
  const pipelines = options.pipelines ?? [];
  for (const name of pipelines.flat()) if (!rss.has(name)) throw new Error(`no usage recorded for ${name}`);
  const peakRssBytes =
    pipelines.length === 0 ? whole.maxRssBytes : Math.max(...pipelines.map((group) => group.reduce((sum, name) => sum + (rss.get(name) ?? 0), 0)));
  return { wallSeconds, cpuSeconds: whole.cpuSeconds, peakRssBytes, processes, stdout: child.stdout };
}
