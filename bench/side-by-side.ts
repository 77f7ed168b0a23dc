/**
 * Benchmark: Lifeboat side by side with Clonezilla's pipeline (partclone + zstd) and dd + zstd
 * (contenders.ts), on one seeded GPT disk (test-disk.ts) and a copy of it with some files changed
 * (change-files.ts). Each run: the three captures; the three incremental captures of the changed
 * copy (Lifeboat into the same repository, the others from scratch); the limits (the used bytes
 * read to /dev/null, into zstd -T0 -3, and through SHA-256); the three restores onto fresh loop
 * devices (the first run checks each restored disk against the source); Lifeboat's own extra
 * steps. Every step starts with what it reads in the page cache (a warm-up read just before it),
 * or, with LIFEBOAT_BENCH_DROP_CACHES=1, with the page cache dropped. Writes
 * bench/results/<date>.json (every sample, the summary, the machine) and <date>.md (the tables).
 *
 * Settings (environment): LIFEBOAT_BENCH_DISK_GIB (4), LIFEBOAT_BENCH_NTFS_PERCENT (40: the NTFS
 * partition's share of the disk, ext4 gets the rest), LIFEBOAT_BENCH_EXT4_FULL (60) and
 * LIFEBOAT_BENCH_NTFS_FULL (50): percent in use, LIFEBOAT_BENCH_CHANGED_PERCENT (1: files changed
 * for the incremental captures), LIFEBOAT_BENCH_SEED (1), LIFEBOAT_BENCH_RUNS (3),
 * LIFEBOAT_BENCH_DROP_CACHES (0), LIFEBOAT_BENCH_PROFILE (1: profile one Lifeboat capture and
 * restore with node --cpu-prof after the runs; 0 skips it). Needs root, losetup, sfdisk, mkfs.ext4, mkntfs, ntfs-3g,
 * partclone, zstd and GNU time.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Attachments } from './attachments.js';
import { attachDisk, benchDisk, cli, duBytes, hashRanges, readRanges, warm, type BenchDisk } from './bench-disk.js';
import { summarize, type Sample } from './bench-summary.js';
import { changedCopy } from './change-files.js';
import { profileCommand, type ThreadProfile } from './cpu-profile.js';
import {
  ddCapture,
  ddRestore,
  lifeboat,
  lifeboatCapture,
  lifeboatRestore,
  limitScripts,
  partcloneCapture,
  partcloneRestore,
  q,
  type ContenderName,
  type DiskDevices,
  type Script,
} from './contenders.js';
import { TextCorpus } from './fill-files.js';
import { machineFacts } from './machine-facts.js';
import { latestResults, markdownReport } from './report-markdown.js';
import { buildTestDisk, type PartitionFacts } from './test-disk.js';
import { runTimed } from './timed-script.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const resultsDir = path.join(root, 'bench/results');
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function setting(name: string, fallback: number): number {
  const value = Number(process.env[`LIFEBOAT_BENCH_${name}`] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`LIFEBOAT_BENCH_${name} must be a positive number`);
  return value;
}

const config = {
  diskGiB: setting('DISK_GIB', 4),
  ntfsPercent: setting('NTFS_PERCENT', 40),
  ext4FullPercent: setting('EXT4_FULL', 60),
  ntfsFullPercent: setting('NTFS_FULL', 50),
  changedPercent: setting('CHANGED_PERCENT', 1),
  seed: setting('SEED', 1),
  runs: Math.round(setting('RUNS', 3)),
  dropCaches: process.env['LIFEBOAT_BENCH_DROP_CACHES'] === '1',
  profile: process.env['LIFEBOAT_BENCH_PROFILE'] !== '0',
};

/** What partclone's logs say it found in use, summed over the partitions. */
async function partcloneCounts(logDir: string): Promise<Record<string, unknown>> {
  let usedBytes = 0;
  for (const name of (await readdir(logDir)).filter((f) => /^partclone-c-p\d+\.log$/.test(f)).sort()) {
    const log = await readFile(path.join(logDir, name), 'utf8');
    const blocks = /Space in use:.*=\s*(\d+) Blocks/.exec(log)?.[1];
    const blockBytes = /Block size:\s*(\d+) Byte/.exec(log)?.[1];
    if (!blocks || !blockBytes) throw new Error(`${name} does not say how many blocks partclone found in use:\n${log.slice(-1000)}`);
    usedBytes += Number(blocks) * Number(blockBytes);
  }
  return { partcloneUsedBytes: usedBytes };
}

function resultLine(stdout: string): Record<string, unknown> {
  const result = stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line['type'] === 'result');
  if (!result) throw new Error(`lifeboat printed no result line: ${stdout.slice(-2000)}`);
  return result;
}

async function oneRun(
  run: number,
  dir: string,
  a: BenchDisk,
  b: BenchDisk,
  partitions: PartitionFacts[],
  sourceHashes: { all: string; partitions: string },
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const runDir = path.join(dir, `run-${run}`);
  const logDir = path.join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const step = async (
    operation: string,
    contender: string,
    script: Script,
    warmPaths: string[],
    usedBytes: number,
    size?: () => Promise<number>,
  ): Promise<Sample> => {
    await warm(warmPaths, config.dropCaches);
    const usage = await runTimed(script.script, { dir: runDir, pipelines: script.pipelines, dropCaches: config.dropCaches });
    const { stdout, ...rest } = usage;
    const sample: Sample = {
      run,
      operation,
      contender,
      usedBytes,
      ...rest,
      sizeBytes: size ? await size() : null,
      result: contender === 'Lifeboat' && operation !== 'at rest (--version)' ? resultLine(stdout) : null,
    };
    samples.push(sample);
    console.log(`  run ${run + 1}: ${`${operation}, ${contender}`.padEnd(48)} ${usage.wallSeconds.toFixed(2)} s`);
    return sample;
  };
  const repo = path.join(runDir, 'repo');
  const images = (name: string) => path.join(runDir, name);
  const partSources = (disk: BenchDisk) => disk.devices.partitions.map((p) => p.device);
  try {
    const first = await step('capture', 'Lifeboat', lifeboatCapture(cli, a.devices, repo), [a.devices.disk], a.ranges.usedBytes, () => duBytes(repo));
    const snapshot = String(first.result?.['snapshot']);
    await step('capture, unchanged', 'Lifeboat', lifeboatCapture(cli, a.devices, repo), [a.devices.disk], a.ranges.usedBytes);
    await mkdir(images('partclone-a'));
    const partclone = await step(
      'capture',
      'partclone + zstd',
      partcloneCapture(a.devices, images('partclone-a'), logDir),
      partSources(a),
      a.ranges.usedBytes,
      () => duBytes(images('partclone-a')),
    );
    partclone.result = await partcloneCounts(logDir);
    await mkdir(images('dd-a'));
    await step('capture', 'dd + zstd', ddCapture(a.devices, images('dd-a')), [a.devices.disk], a.ranges.usedBytes, () => duBytes(images('dd-a')));

    const before = await duBytes(repo);
    await step(
      'incremental capture',
      'Lifeboat',
      lifeboatCapture(cli, b.devices, repo),
      [b.devices.disk],
      b.ranges.usedBytes,
      async () => (await duBytes(repo)) - before,
    );
    for (const [contender, name, script] of [
      ['partclone + zstd', 'partclone-b', (out: string) => partcloneCapture(b.devices, out, logDir)],
      ['dd + zstd', 'dd-b', (out: string) => ddCapture(b.devices, out)],
    ] as const) {
      await mkdir(images(name));
      await step(
        'incremental capture',
        contender,
        script(images(name)),
        contender === 'dd + zstd' ? [b.devices.disk] : partSources(b),
        b.ranges.usedBytes,
        () => duBytes(images(name)),
      );
      await rm(images(name), { recursive: true });
    }

    const countFile = path.join(runDir, 'limit-output');
    const limits = limitScripts(readRanges, a.devices.disk, a.rangesFile, countFile);
    await step('limit: read', 'used bytes to /dev/null', limits.read, [a.devices.disk], a.ranges.usedBytes);
    await step('limit: zstd', 'used bytes into zstd -T0 -3', limits.zstd, [a.devices.disk], a.ranges.usedBytes, async () =>
      Number((await readFile(countFile, 'utf8')).trim()),
    );
    await step('read + SHA-256', 'used bytes, one core', limits.sha256, [a.devices.disk], a.ranges.usedBytes);

    const restores: Array<[string, ContenderName, (t: DiskDevices) => Script, string, boolean]> = [
      ['restore', 'Lifeboat', (t) => lifeboatRestore(cli, repo, snapshot, t), repo, false],
      ['restore', 'partclone + zstd', (t) => partcloneRestore(images('partclone-a'), t, logDir), images('partclone-a'), true],
      ['restore', 'dd + zstd', (t) => ddRestore(images('dd-a'), t), images('dd-a'), false],
      ['restore --no-precheck', 'Lifeboat', (t) => lifeboatRestore(cli, repo, snapshot, t, ['--no-precheck']), repo, false],
    ];
    for (const [operation, contender, script, image, partitionDevices] of restores) {
      const targetFile = path.join(runDir, 'target.img');
      await writeFile(targetFile, '');
      await truncate(targetFile, config.diskGiB * GiB);
      const attachments = new Attachments();
      try {
        const target = await attachDisk(attachments, targetFile, partitions, { readOnly: false, partitions: partitionDevices });
        await step(operation, contender, script(target), [image], a.ranges.usedBytes);
        if (run === 0 && operation === 'restore') {
          // partclone restores the partitions; the bytes outside them are sfdisk's to write.
          const expected = partitionDevices ? sourceHashes.partitions : sourceHashes.all;
          const got = await hashRanges(targetFile, partitionDevices ? a.partitionRangesFile : a.rangesFile);
          if (got !== expected) throw new Error(`${contender}: the restored disk differs from the source in the used bytes (${got} vs ${expected})`);
        }
      } finally {
        await attachments.cleanup();
        await rm(targetFile, { force: true });
      }
    }
    await step('verify --repo', 'Lifeboat', lifeboat(cli, ['verify', '--repo', repo]), [repo], a.ranges.usedBytes);
    // The runtime's own share of the peak memory above: the CLI doing nothing.
    await step('at rest (--version)', 'Lifeboat', { script: [...cli, '--version'].map(q).join(' '), pipelines: [] }, [], 0);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
  return samples;
}

/** One capture and one restore by Lifeboat under the CPU profiler, after the measured runs. */
async function profileLifeboat(dir: string, a: BenchDisk, partitions: PartitionFacts[]): Promise<Record<'capture' | 'restore', ThreadProfile[]>> {
  const [node, main] = cli as [string, string];
  const repo = path.join(dir, 'profile-repo');
  const targetFile = path.join(dir, 'profile-target.img');
  const attachments = new Attachments();
  try {
    await warm([a.devices.disk], config.dropCaches);
    const capture = await profileCommand(node, main, ['capture', '--source', a.devices.disk, '--repo', repo, '--json'], path.join(dir, 'profile'));
    await writeFile(targetFile, '');
    await truncate(targetFile, config.diskGiB * GiB);
    const target = await attachDisk(attachments, targetFile, partitions, { readOnly: false, partitions: false });
    await warm([repo], config.dropCaches);
    const restore = await profileCommand(
      node,
      main,
      ['restore', '--repo', repo, '--target', target.disk, '--yes', '--confirm-target', target.disk, '--json'],
      path.join(dir, 'profile'),
    );
    return { capture, restore };
  } finally {
    await attachments.cleanup();
    await rm(repo, { recursive: true, force: true });
    await rm(targetFile, { force: true });
  }
}

async function main(): Promise<void> {
  const machine = await machineFacts();
  const startedAt = new Date();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-'));
  const attachments = new Attachments();
  Attachments.cleanupOnSignal(() => rm(dir, { recursive: true, force: true }));
  const samples: Sample[] = [];
  let facts;
  let profiles: Record<'capture' | 'restore', ThreadProfile[]> | null = null;
  try {
    console.log(`building the ${config.diskGiB} GiB bench disk (seed ${config.seed}) in ${dir}`);
    const corpus = await TextCorpus.load(path.join(root, 'node_modules'), 32 * MiB);
    const disk = await buildTestDisk(
      dir,
      {
        sizeBytes: config.diskGiB * GiB,
        ntfsSizeBytes: Math.floor((config.diskGiB * GiB * config.ntfsPercent) / 100 / MiB) * MiB,
        ext4Full: config.ext4FullPercent / 100,
        ntfsFull: config.ntfsFullPercent / 100,
        seed: config.seed,
      },
      corpus,
    );
    const change = await changedCopy(disk.file, path.join(dir, 'disk-changed.img'), disk.partitions, config.changedPercent, config.seed, corpus, dir);
    console.log(`built in ${disk.seconds.toFixed(0)} s; changed ${change.changedFiles} of ${change.totalFiles} files on the copy`);
    const a = await benchDisk(attachments, dir, 'disk', disk.file, disk.partitions);
    const b = await benchDisk(attachments, dir, 'disk-changed', path.join(dir, 'disk-changed.img'), disk.partitions);
    const sourceHashes = { all: await hashRanges(disk.file, a.rangesFile), partitions: await hashRanges(disk.file, a.partitionRangesFile) };
    facts = {
      disk: {
        sizeBytes: disk.sizeBytes,
        partitions: disk.partitions,
        buildSeconds: disk.seconds,
        usedBytes: a.ranges.usedBytes,
        byPartition: a.ranges.byPartition,
        partcloneUsedBytes: Number.NaN,
      },
      changed: { ...change, usedBytes: b.ranges.usedBytes },
    };
    for (let run = 0; run < config.runs; run++) samples.push(...(await oneRun(run, dir, a, b, disk.partitions, sourceHashes)));
    const partclone = samples.find((x) => x.operation === 'capture' && x.contender === 'partclone + zstd');
    facts.disk.partcloneUsedBytes = Number(partclone?.result?.['partcloneUsedBytes']);
    if (config.profile) {
      console.log('  profiling one Lifeboat capture and restore (node --cpu-prof)');
      profiles = await profileLifeboat(dir, a, disk.partitions);
    }
  } finally {
    await attachments.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
  const summary = summarize(samples);
  const date = startedAt.toISOString().slice(0, 10);
  const startup = await latestResults(resultsDir, 'binary-startup');
  const maps = await latestResults(resultsDir, 'used-block-maps');
  const results = {
    date,
    startedAt: startedAt.toISOString(),
    minutes: (Date.now() - startedAt.getTime()) / 60_000,
    config,
    machine: { ...machine, loadAverageAtEnd: os.loadavg()[0] ?? 0 },
    ...facts,
    summary,
    profiles,
    binaryStartup: startup,
    usedBlockMaps: maps,
    samples,
  };
  await mkdir(resultsDir, { recursive: true });
  const jsonFile = path.join(resultsDir, `${date}.json`);
  const mdFile = path.join(resultsDir, `${date}.md`);
  await writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = markdownReport(results);
  await writeFile(mdFile, markdown);
  process.stdout.write(
    `\n${markdown}\nwrote ${path.relative(process.cwd(), jsonFile)} and ${path.relative(process.cwd(), mdFile)} (${results.minutes.toFixed(1)} min)\n`,
  );
}

await main();
