/**
 * From the raw samples of bench/side-by-side.ts to one row per (operation, tool) and Lifeboat's
 * ratios to the others. A ratio is Lifeboat's median over the other's median: below 1 Lifeboat is
 * faster (or smaller), above 1 slower (or larger).
 */
import { median, spread, type Spread } from './stats.js';
import type { StepUsage } from './timed-script.js';

export interface Sample extends StepUsage {
  run: number;
  operation: string;
  contender: string;
  /** The used bytes of the disk the step read or wrote: the denominator of every rate (0: no rate). */
  usedBytes: number;
  /** Image size (captures), bytes added (incremental Lifeboat), compressed bytes (zstd limit). */
  sizeBytes: number | null;
  result: Record<string, unknown> | null;
}

export interface Row {
  operation: string;
  contender: string;
  runs: number;
  wallSeconds: Spread;
  cpuSeconds: number;
  coresBusy: number;
  peakRssBytes: number;
  sizeBytes: number | null;
  usedBytes: number;
  usedMiBPerSecond: number | null;
  /** Each process's median peak RSS, for the pipelines. */
  processRssBytes: Record<string, number>;
}

export interface Ratio {
  what: string;
  against: string;
  ratio: number;
  lifeboat: number;
  other: number;
}

export interface Summary {
  rows: Row[];
  ratios: Ratio[];
}

function rows(samples: Sample[]): Row[] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const key = `${sample.operation}\u0000${sample.contender}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Sample;
    const wall = spread(group.map((s) => s.wallSeconds));
    const cpu = median(group.map((s) => s.cpuSeconds));
    const sizes = group.map((s) => s.sizeBytes).filter((s): s is number => s !== null);
    const names = [...new Set(group.flatMap((s) => s.processes.map((p) => p.name)))];
    return {
      operation: first.operation,
      contender: first.contender,
      runs: group.length,
      wallSeconds: wall,
      cpuSeconds: cpu,
      coresBusy: cpu / wall.median,
      peakRssBytes: median(group.map((s) => s.peakRssBytes)),
      sizeBytes: sizes.length > 0 ? median(sizes) : null,
      usedBytes: first.usedBytes,
      usedMiBPerSecond: first.usedBytes > 0 ? first.usedBytes / 1024 ** 2 / wall.median : null,
      processRssBytes: Object.fromEntries(
        names.map((name) => [name, median(group.flatMap((s) => s.processes.filter((p) => p.name === name).map((p) => p.maxRssBytes)))]),
      ),
    };
  });
}

export function summarize(samples: Sample[]): Summary {
  const all = rows(samples);
  const find = (operation: string, contender: string) => all.find((r) => r.operation === operation && r.contender === contender);
  const ratios: Ratio[] = [];
  const add = (what: string, against: string, lifeboat: number | null | undefined, other: number | null | undefined) => {
    if (lifeboat != null && other != null && other > 0) ratios.push({ what, against, ratio: lifeboat / other, lifeboat, other });
  };
  for (const other of ['partclone + zstd', 'dd + zstd']) {
    for (const operation of ['capture', 'restore', 'incremental capture']) {
      const [l, o] = [find(operation, 'Lifeboat'), find(operation, other)];
      add(`${operation} time`, other, l?.wallSeconds.median, o?.wallSeconds.median);
      add(`${operation} CPU`, other, l?.cpuSeconds, o?.cpuSeconds);
      add(`${operation} peak memory`, other, l?.peakRssBytes, o?.peakRssBytes);
      if (operation !== 'restore') add(`${operation} ${operation === 'capture' ? 'image size' : 'bytes added'}`, other, l?.sizeBytes, o?.sizeBytes);
    }
  }
  const capture = find('capture', 'Lifeboat');
  const zstdLimit = find('limit: zstd', 'used bytes into zstd -T0 -3');
  const readLimit = find('limit: read', 'used bytes to /dev/null');
  add('capture time', 'zstd -T0 -3 of the used bytes', capture?.wallSeconds.median, zstdLimit?.wallSeconds.median);
  add('capture CPU', 'zstd -T0 -3 of the used bytes', capture?.cpuSeconds, zstdLimit?.cpuSeconds);
  add('capture image size', 'zstd -T0 -3 of the used bytes', capture?.sizeBytes, zstdLimit?.sizeBytes);
  add('capture time', 'plain read of the used bytes', capture?.wallSeconds.median, readLimit?.wallSeconds.median);
  return { rows: all, ratios };
}
