/**
 * Benchmark: the whole pipeline through the CLI, each step in a process of its own, on a GPT disk
 * image (LIFEBOAT_BENCH_DISK_GIB, default 4) holding a 512 MiB NTFS partition with
 * LIFEBOAT_BENCH_NTFS_MIB (default 200) of files and ext4 on the rest with LIFEBOAT_BENCH_DATA_MIB
 * (default 1536): a third random, two thirds text, plus deleted files whose data stays in the free
 * space. Steps: capture into a new repository, capture again (dedup), restore onto a fresh sparse
 * file, verify the repository, restore again with --verify. Prints a table and writes
 * bench/results/<date>-pipeline-throughput.json. LIFEBOAT_BENCH_RUNS (default 1) repeats the
 * steps; LIFEBOAT_BENCH_DROP_CACHES=1 drops the page cache before each step (otherwise the image
 * and the repository are read from memory). Needs root, losetup, sfdisk, mkfs.ext4, mkntfs, ntfs-3g.
 */
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { formatBytes } from '../recovery/core/format-bytes.js';
import { TextCorpus } from './fill-files.js';
import { buildTestDisk } from './test-disk.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MiB = 1024 ** 2;
const diskGiB = Number(process.env['LIFEBOAT_BENCH_DISK_GIB'] ?? 4);
const dataMiB = Number(process.env['LIFEBOAT_BENCH_DATA_MIB'] ?? 1536);
const ntfsDataMiB = Number(process.env['LIFEBOAT_BENCH_NTFS_MIB'] ?? 200);
const runs = Number(process.env['LIFEBOAT_BENCH_RUNS'] ?? 1);
const dropCaches = process.env['LIFEBOAT_BENCH_DROP_CACHES'] === '1';
const NTFS_PARTITION_MIB = 512;
const CORPUS_BYTES = 32 * MiB;

type Json = Record<string, unknown>;

interface StepSample {
  seconds: number;
  peakRssBytes: number;
  /** User plus system CPU time of all threads: against `seconds`, how many cores the step kept busy. */
  cpuSeconds: number;
  result: Json;
  /** What the step added to the repository directory (du -sb after minus before). */
  repoGrowthBytes: number;
}

const STEPS = ['capture', 'capture again (dedup)', 'restore', 'verify --repo', 'restore --verify'] as const;
type StepName = (typeof STEPS)[number];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function duBytes(target: string, apparent: boolean): Promise<number> {
  const { stdout } = await execa('du', ['-s', apparent ? '-b' : '-B1', target]);
  return Number(stdout.split('\t')[0]);
}

async function sparseFile(file: string, sizeBytes: number): Promise<void> {
  await rm(file, { force: true });
  await writeFile(file, '');
  await truncate(file, sizeBytes);
}

/** One CLI command in its own process (bench/cli-measured.js): wall time, peak RSS, result line. */
async function runStep(dir: string, repo: string, args: string[]): Promise<StepSample> {
  if (dropCaches) {
    await execa('sync');
    await writeFile('/proc/sys/vm/drop_caches', '3\n');
  }
  const rusageFile = path.join(dir, 'rusage.json');
  await rm(rusageFile, { force: true });
  const repoBefore = await duBytes(repo, true).catch(() => 0);
  const started = performance.now();
  const child = await execa(process.execPath, [path.join(here, 'cli-measured.js'), ...args, '--json'], { env: { LIFEBOAT_BENCH_RUSAGE: rusageFile }, reject: false });
  const seconds = (performance.now() - started) / 1000;
  const lines = child.stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Json);
  const result = lines.find((line) => line['type'] === 'result');
  if (child.exitCode !== 0 || result === undefined) {
    throw new Error(`lifeboat ${args.join(' ')} failed (exit ${String(child.exitCode)}): ${JSON.stringify(lines.at(-1) ?? null)} ${child.stderr}`);
  }
  const rusage = JSON.parse(await readFile(rusageFile, 'utf8')) as { maxRSS: number; userCPUTime: number; systemCPUTime: number };
  const cpuSeconds = (rusage.userCPUTime + rusage.systemCPUTime) / 1e6;
  return { seconds, peakRssBytes: rusage.maxRSS * 1024, cpuSeconds, result, repoGrowthBytes: (await duBytes(repo, true)) - repoBefore };
}

async function runOnce(dir: string, diskFile: string, diskBytes: number): Promise<Map<StepName, StepSample>> {
  const repo = path.join(dir, 'repo');
  const target = path.join(dir, 'target.img');
  const samples = new Map<StepName, StepSample>();
  const restoreArgs = ['restore', '--repo', repo, '--target', target, '--yes', '--confirm-target', target];
  try {
    samples.set('capture', await runStep(dir, repo, ['capture', '--source', diskFile, '--repo', repo]));
    samples.set('capture again (dedup)', await runStep(dir, repo, ['capture', '--source', diskFile, '--repo', repo]));
    await sparseFile(target, diskBytes);
    samples.set('restore', await runStep(dir, repo, restoreArgs));
    samples.set('verify --repo', await runStep(dir, repo, ['verify', '--repo', repo]));
    await sparseFile(target, diskBytes);
    samples.set('restore --verify', await runStep(dir, repo, [...restoreArgs, '--verify']));
  } finally {
    await rm(repo, { recursive: true, force: true });
    await rm(target, { force: true });
  }
  return samples;
}

/** The step's numbers worth a column: what it stored, wrote or checked. */
function stepNote(step: StepName, sample: StepSample): string {
  const r = sample.result;
  switch (step) {
    case 'capture':
      return `stored ${formatBytes(Number(r['storedBytes']))} (repo ${formatBytes(sample.repoGrowthBytes)} on disk), ${String(r['newChunks'])} chunks`;
    case 'capture again (dedup)':
      return `added ${formatBytes(sample.repoGrowthBytes)} to the repo, ${String(r['reusedChunks'])} chunks reused, ${String(r['newChunks'])} new`;
    case 'restore':
    case 'restore --verify':
      return `wrote ${formatBytes(Number(r['writtenBytes']))}${r['verified'] ? `, read back ${String(r['verifiedChunks'])} chunks` : ''}`;
    case 'verify --repo':
      return `${String(r['checkedChunks'])} chunks, ${formatBytes(Number(r['checkedBytes']))}, ${String(r['problemCount'])} problems`;
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-'));
const perStep = new Map<StepName, StepSample[]>(STEPS.map((s) => [s, []]));
let disk: Awaited<ReturnType<typeof buildTestDisk>>;
let allocatedBytes: number;
try {
  const corpus = await TextCorpus.load(path.join(here, '..', '..', 'node_modules'), CORPUS_BYTES);
  disk = await buildTestDisk(dir, { sizeBytes: diskGiB * 1024 ** 3, ntfsSizeBytes: NTFS_PARTITION_MIB * MiB, ext4DataBytes: dataMiB * MiB, ntfsDataBytes: ntfsDataMiB * MiB }, corpus);
  allocatedBytes = await duBytes(disk.file, false);
  for (let i = 0; i < runs; i++) {
    const samples = await runOnce(dir, disk.file, disk.sizeBytes);
    for (const [step, sample] of samples) perStep.get(step)?.push(sample);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const { file: _file, ...diskFacts } = disk;
const usedBytes = Number(perStep.get('capture')?.[0]?.result['usedBytes']);
const results = STEPS.map((step) => {
  const samples = perStep.get(step) ?? [];
  const seconds = samples.map((s) => s.seconds);
  const secondsMedian = median(seconds);
  return {
    step,
    secondsMedian,
    secondsMin: Math.min(...seconds),
    secondsMax: Math.max(...seconds),
    engineSecondsMedian: median(samples.map((s) => Number(s.result['durationSeconds']))),
    usedMiBPerSecond: usedBytes / MiB / secondsMedian,
    peakRssBytesMedian: median(samples.map((s) => s.peakRssBytes)),
    cpuSecondsMedian: median(samples.map((s) => s.cpuSeconds)),
    repoGrowthBytesMedian: median(samples.map((s) => s.repoGrowthBytes)),
    note: samples[0] ? stepNote(step, samples[0]) : '',
    results: samples.map((s) => s.result),
  };
});

const lines = [
  `Pipeline through the CLI on a ${diskGiB} GiB GPT image (NTFS ${NTFS_PARTITION_MIB} MiB + ext4), ${runs} run(s), ${os.cpus().length} cores, Node ${process.version}, page cache ${dropCaches ? 'dropped before each step' : 'warm'}`,
  `Disk: ${disk.partitions.map((p) => `${p.filesystem} ${formatBytes(p.dataBytes)} kept in ${p.files} files + ${formatBytes(p.staleBytes)} deleted`).join('; ')}; built in ${disk.seconds.toFixed(1)} s`,
  `Used bytes (captured): ${formatBytes(usedBytes)}; image ${formatBytes(disk.sizeBytes)} = ${(disk.sizeBytes / usedBytes).toFixed(2)}x used; image blocks allocated (raw copy of the written areas): ${formatBytes(allocatedBytes)}`,
  '',
  '| step | wall time (median, min-max) | engine time | MiB/s of used bytes | CPU (user+sys) | peak RSS (all threads) | notes |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.step} | ${r.secondsMedian.toFixed(2)} s (${r.secondsMin.toFixed(2)}-${r.secondsMax.toFixed(2)}) | ${r.engineSecondsMedian.toFixed(2)} s | ` +
      `${r.usedMiBPerSecond.toFixed(0)} | ${r.cpuSecondsMedian.toFixed(1)} s | ${(r.peakRssBytesMedian / MiB).toFixed(0)} MiB | ${r.note} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
const outDir = path.join(here, '..', '..', 'bench', 'results');
await mkdir(outDir, { recursive: true });
const date = new Date().toISOString().slice(0, 10);
await writeFile(
  path.join(outDir, `${date}-pipeline-throughput.json`),
  `${JSON.stringify({ date, diskGiB, dataMiB, ntfsDataMiB, runs, dropCaches, node: process.version, cores: os.cpus().length, disk: { ...diskFacts, allocatedBytes }, usedBytes, imageToUsedRatio: disk.sizeBytes / usedBytes, results }, null, 2)}\n`,
);
