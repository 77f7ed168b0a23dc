/**
 * The markdown of bench/results/<date>.md: the machine, the disk, one table of every step, one
 * of Lifeboat's ratios, the single binary's start-up and the used-block maps when their results
 * exist, and a list of every place Lifeboat is slower or larger, with the measured numbers.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../recovery/core/format-bytes.js';
import type { Row, Summary } from './bench-summary.js';
import type { ThreadProfile } from './cpu-profile.js';
import type { MachineFacts } from './machine-facts.js';
import type { PartitionFacts } from './test-disk.js';

export interface BenchResults {
  date: string;
  minutes: number;
  config: { diskGiB: number; runs: number; dropCaches: boolean; changedPercent: number; seed: number };
  machine: MachineFacts & { loadAverageAtEnd: number };
  disk?: {
    sizeBytes: number;
    partitions: PartitionFacts[];
    usedBytes: number;
    byPartition: Array<{ filesystem: string | null; usedBytes: number; runs: number }>;
    partcloneUsedBytes: number;
  };
  changed?: { changedFiles: number; totalFiles: number; changedBytes: number; usedBytes: number };
  summary: Summary;
  profiles: Record<'capture' | 'restore', ThreadProfile[]> | null;
  binaryStartup: (Record<string, unknown> & { file: string }) | null;
  usedBlockMaps: (Record<string, unknown> & { file: string }) | null;
}

/** The newest bench/results/<date>-<name>.json, or null. */
export async function latestResults(dir: string, name: string): Promise<(Record<string, unknown> & { file: string }) | null> {
  const files = (await readdir(dir).catch(() => [])).filter((f) => new RegExp(`^\\d{4}-\\d{2}-\\d{2}-${name}\\.json$`).test(f)).sort();
  const newest = files.at(-1);
  if (!newest) return null;
  return { file: newest, ...(JSON.parse(await readFile(path.join(dir, newest), 'utf8')) as Record<string, unknown>) };
}

const s = (seconds: number) => `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
const x = (ratio: number) => `${ratio.toFixed(2)}x`;

function rowLine(r: Row): string {
  const wall = `${s(r.wallSeconds.median)} (${r.wallSeconds.min.toFixed(2)}-${r.wallSeconds.max.toFixed(2)})`;
  return `| ${r.operation} | ${r.contender} | ${wall} | ${r.usedMiBPerSecond === null ? '' : r.usedMiBPerSecond.toFixed(0)} | ${s(r.cpuSeconds)} (${r.coresBusy.toFixed(1)}) | ${formatBytes(r.peakRssBytes)} | ${r.sizeBytes === null ? '' : formatBytes(r.sizeBytes)} |`;
}

function startupTable(startup: Record<string, unknown> & { file: string }): string[] {
  const spread = (key: string) => {
    const v = startup[key] as { medianMs: number; minMs: number; maxMs: number } | undefined;
    return v ? `${v.medianMs} ms (${v.minMs}-${v.maxMs})` : 'n/a';
  };
  return [
    `Single binary (from ${startup.file}):`,
    '',
    '| | binary (dist/lifeboat-linux-x64) | checkout (node build/...) |',
    '| --- | --- | --- |',
    `| size | ${formatBytes(Number(startup['binarySizeBytes']))} | |`,
    `| --version | ${spread('binaryVersion')} | ${spread('checkoutVersion')} |`,
    `| first TUI frame | ${spread('binaryFirstFrame')} | ${spread('checkoutFirstFrame')} |`,
  ];
}

function mapsTable(maps: Record<string, unknown> & { file: string }): string[] {
  const rows = (maps['results'] as Array<Record<string, unknown>> | undefined) ?? [];
  return [
    `Used-block maps of ${String(maps['sizeGiB'])} GiB sparse filesystems (from ${maps.file}):`,
    '',
    '| filesystem | runs in map | time (median, min-max) | peak RSS (process at start) |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${String(r['filesystem'])} | ${String(r['runs'])} | ${Number(r['secondsMedian']).toFixed(2)} s (${Number(r['secondsMin']).toFixed(2)}-${Number(r['secondsMax']).toFixed(2)}) | ` +
        `${formatBytes(Number(r['peakRssBytesMedian']))} (${formatBytes(Number(r['rssBeforeBytes']))}) |`,
    ),
  ];
}

export function markdownReport(results: BenchResults): string {
  const { machine, config, summary, disk, changed } = results;
  const lines = [
    `# Lifeboat, partclone + zstd (Clonezilla) and dd + zstd: ${results.date}`,
    '',
    `Machine: ${machine.cpuModel ?? 'unknown CPU'}, ${machine.cores} cores, ${formatBytes(machine.memoryBytes)} RAM, ${machine.os ?? ''} (Linux ${machine.kernel}); ` +
      `Node ${machine.node}, partclone ${machine.partclone ?? '?'}, zstd ${machine.zstd ?? '?'}; load average ${machine.loadAverageAtStart.toFixed(1)} at the start, ${machine.loadAverageAtEnd.toFixed(1)} at the end.`,
    `Runs: ${config.runs} of each step (median, min-max); page cache ${config.dropCaches ? 'dropped before each step' : 'warm (each step reads its input once just before)'}; seed ${config.seed}; the whole bench took ${results.minutes.toFixed(1)} min.`,
  ];
  if (disk) {
    const parts = disk.partitions.map(
      (p) =>
        `${p.filesystem} ${formatBytes(p.sizeBytes)}: ${formatBytes(p.usedAfterFillBytes)} used (${((p.usedAfterFillBytes / p.sizeBytes) * 100).toFixed(0)}%) in ${p.files} files, ${formatBytes(p.staleBytes)} deleted`,
    );
    const inPartitions = disk.byPartition.reduce((sum, p) => sum + p.usedBytes, 0);
    lines.push(
      `Disk: ${formatBytes(disk.sizeBytes)} GPT; ${parts.join('; ')}. Used bytes, the denominator of every MiB/s: ${formatBytes(disk.usedBytes)} (${disk.usedBytes} bytes: ` +
        `what Lifeboat's inspect says a capture reads, ${inPartitions} in the partitions' used blocks plus the table and the gap before the first partition; partclone's logs count ${disk.partcloneUsedBytes} in the partitions).`,
    );
  }
  if (changed)
    lines.push(
      `Incremental: ${changed.changedFiles} of ${changed.totalFiles} files (${config.changedPercent}%, ${formatBytes(changed.changedBytes)}) rewritten on a copy of the disk.`,
    );
  lines.push(
    '',
    '| operation | tool | wall time, median (min-max) | used MiB/s | CPU user+sys (cores busy) | peak RSS | image / added / output |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...summary.rows.map(rowLine),
    '',
    'Lifeboat divided by the others (below 1: Lifeboat is faster, smaller or lighter):',
    '',
    '| Lifeboat ÷ | what | ratio | Lifeboat | other |',
    '| --- | --- | --- | --- | --- |',
    ...summary.ratios.map((r) => {
      const unit = (v: number) => (r.what.endsWith('time') || r.what.endsWith('CPU') ? s(v) : formatBytes(v));
      return `| ${r.against} | ${r.what} | ${x(r.ratio)} | ${unit(r.lifeboat)} | ${unit(r.other)} |`;
    }),
  );
  const worse = summary.ratios.filter((r) => r.ratio > 1.02);
  lines.push(
    '',
    'Where Lifeboat is slower, larger or heavier (ratio above 1.02):',
    '',
    ...(worse.length > 0 ? worse.map((r) => `- ${r.what} vs ${r.against}: ${x(r.ratio)}`) : ['- nowhere']),
  );
  if (results.profiles) {
    lines.push(
      '',
      "Where Lifeboat's CPU time goes (one capture and one restore under `node --cpu-prof`; self time by function, as a share of each thread's busy time):",
      '',
    );
    for (const [operation, threads] of Object.entries(results.profiles)) {
      for (const t of threads)
        lines.push(
          `- ${operation}, ${t.thread} (${(t.busyMs / 1000).toFixed(1)} s busy): ${t.top.map((f) => `${f.name} ${(f.share * 100).toFixed(0)}%`).join(', ')}`,
        );
    }
  }
  if (results.binaryStartup) lines.push('', ...startupTable(results.binaryStartup));
  if (results.usedBlockMaps) lines.push('', ...mapsTable(results.usedBlockMaps));
  return `${lines.join('\n')}\n`;
}
