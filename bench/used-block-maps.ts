/**
 * Benchmark: the used-block map of big sparse filesystems (64 GiB ext4 and NTFS by default), each
 * computed in its own process. Prints a table and writes bench/results/<date>-used-block-maps.json.
 * Sizes: LIFEBOAT_BENCH_MAP_GIB (default 64). Needs mkfs.ext4 and mkntfs; uses only sparse files.
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { formatBytes } from '../recovery/core/format-bytes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sizeGiB = Number(process.env['LIFEBOAT_BENCH_MAP_GIB'] ?? 64);
const runs = Number(process.env['LIFEBOAT_BENCH_RUNS'] ?? 3);

const FILESYSTEMS: Array<{ name: string; make: (file: string) => Promise<unknown> }> = [
  { name: 'ext4', make: (file) => execa('mkfs.ext4', ['-q', '-F', file]) },
  // The worst cases for the map: the most blocks and bitmap bytes a volume of this size can have.
  { name: 'ext4, 1 KiB blocks, no flex_bg', make: (file) => execa('mkfs.ext4', ['-q', '-F', '-b', '1024', '-O', '^flex_bg', file]) },
  { name: 'ntfs', make: (file) => execa('mkntfs', ['-Q', '-F', '-q', file]) },
  { name: 'ntfs, 512 B clusters', make: (file) => execa('mkntfs', ['-Q', '-F', '-q', '-c', '512', file]) },
];

interface Sample {
  seconds: number;
  peakRssBytes: number;
  rssBeforeBytes: number;
  runs: number;
  mapBytes: number;
  usedBytes: number;
  coverage: string;
  type: string | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-'));
const results: Array<Record<string, unknown>> = [];
try {
  for (const fs of FILESYSTEMS) {
    const file = path.join(dir, 'volume.img');
    await writeFile(file, '');
    await truncate(file, sizeGiB * 1024 ** 3);
    await fs.make(file);
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await execa(process.execPath, [path.join(here, 'map-one.js'), file]);
      samples.push(JSON.parse(stdout) as Sample);
    }
    const first = samples[0];
    if (first?.coverage !== 'filesystem') throw new Error(`${fs.name}: the map fell back to "${first?.coverage}"`);
    const seconds = samples.map((s) => s.seconds);
    results.push({
      filesystem: fs.name,
      sizeBytes: sizeGiB * 1024 ** 3,
      usedBytes: first.usedBytes,
      runs: first.runs,
      mapBytes: first.mapBytes,
      secondsMedian: median(seconds),
      secondsMin: Math.min(...seconds),
      secondsMax: Math.max(...seconds),
      peakRssBytesMedian: median(samples.map((s) => s.peakRssBytes)),
      rssBeforeBytes: first.rssBeforeBytes,
    });
    await rm(file);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const lines = [
  `Used-block maps of ${sizeGiB} GiB sparse filesystems (${runs} runs each, ${os.cpus().length} cores, Node ${process.version})`,
  '',
  '| filesystem | used | runs in map | map size | time (median, min-max) | peak RSS (process) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${String(r['filesystem'])} | ${formatBytes(Number(r['usedBytes']))} | ${String(r['runs'])} | ${formatBytes(Number(r['mapBytes']))} | ` +
      `${Number(r['secondsMedian']).toFixed(2)} s (${Number(r['secondsMin']).toFixed(2)}-${Number(r['secondsMax']).toFixed(2)}) | ` +
      `${formatBytes(Number(r['peakRssBytesMedian']))} (at start ${formatBytes(Number(r['rssBeforeBytes']))}) |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
const outDir = path.join(here, '..', '..', 'bench', 'results');
await mkdir(outDir, { recursive: true });
const date = new Date().toISOString().slice(0, 10);
await writeFile(
  path.join(outDir, `${date}-used-block-maps.json`),
  `${JSON.stringify({ date, sizeGiB, runs, node: process.version, cores: os.cpus().length, results }, null, 2)}\n`,
);
