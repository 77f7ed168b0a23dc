/**
 * Benchmark: the single binary (dist/lifeboat-linux-x64, built by `npm run build:binary`): its
 * size, the time to `--version` and the time from start to the first frame of the terminal UI,
 * each over LIFEBOAT_BENCH_STARTS runs (default 15), as median and spread, beside the same for the
 * checkout's `node build/recovery/cli/main.js`. The UI runs in a pseudo-terminal made by `script`
 * (util-linux) with TERM=linux; the first frame is the first output holding the home screen's
 * title. Writes bench/results/<date>-binary-startup.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = path.join(root, 'dist/lifeboat-linux-x64');
const checkout = `${process.execPath} ${path.join(root, 'build/recovery/cli/main.js')}`;
const starts = Number(process.env['LIFEBOAT_BENCH_STARTS'] ?? 15);
/** Text every version of the home screen shows in its first frame. */
const FIRST_FRAME_MARK = 'Lifeboat';

interface Spread {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function spread(samples: number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? (sorted[Math.floor(middle)] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { medianMs: round(median), minMs: round(sorted[0] as number), maxMs: round(sorted[sorted.length - 1] as number) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Wall time of one run of a shell command to its exit. */
function timeToExit(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/bin/sh', ['-c', `exec ${command}`], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited with ${String(code)}`))));
  });
}

/** Wall time from starting the UI in a pseudo-terminal to its first frame; then it is stopped. */
function timeToFirstFrame(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('script', ['-qfec', `stty cols 80 rows 25; exec ${command}`, '/dev/null'], {
      env: { ...env, TERM: 'linux' },
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    });
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`no frame with "${FIRST_FRAME_MARK}" within 30 s; saw: ${seen.slice(-300)}`)), 30_000);
    const finish = (outcome: number | Error): void => {
      clearTimeout(timer);
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    child.stdout.on('data', (data: Buffer) => {
      seen += data.toString('utf8');
      if (seen.includes(FIRST_FRAME_MARK)) finish(performance.now() - started);
    });
    child.on('error', (error) => finish(error));
  });
}

async function measure(label: string, run: () => Promise<number>): Promise<Spread> {
  await run(); // The first start fills the page cache; the runs after it are what a technician repeats.
  const samples: number[] = [];
  for (let i = 0; i < starts; i++) samples.push(await run());
  const result = spread(samples);
  console.log(`${label.padEnd(44)} median ${result.medianMs} ms (min ${result.minMs}, max ${result.maxMs})`);
  return result;
}

async function main(): Promise<void> {
  const sizeBytes = (await stat(binary).catch(() => null))?.size;
  if (sizeBytes === undefined) throw new Error(`${binary} is missing; run \`npm run build:binary\` first.`);
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-binary-'));
  try {
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TMPDIR: tempDir, HOME: tempDir };
    console.log(`binary ${path.relative(root, binary)}: ${(sizeBytes / 1048576).toFixed(1)} MiB; ${starts} starts each after one warm-up`);
    const results = {
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryBytes: os.totalmem(), kernel: os.release() },
      binarySizeBytes: sizeBytes,
      starts,
      binaryVersion: await measure('binary --version', () => timeToExit(`${binary} --version`, env)),
      checkoutVersion: await measure('node build/.../main.js --version', () => timeToExit(`${checkout} --version`, env)),
      binaryFirstFrame: await measure('binary to first TUI frame (TERM=linux, 80x25)', () => timeToFirstFrame(binary, env)),
      checkoutFirstFrame: await measure('checkout to first TUI frame', () => timeToFirstFrame(checkout, env)),
    };
    const resultsDir = path.join(root, 'bench/results');
    await mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}-binary-startup.json`);
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${path.relative(root, file)}`);
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

await main();
