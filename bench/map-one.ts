/**
 * Computes one partition's used-block map in a process of its own, so its peak memory is its own,
 * and prints one JSON line: time, runs, used bytes and peak RSS. Run by bench/used-block-maps.ts.
 */
import { performance } from 'node:perf_hooks';
import { openImageFile } from '../recovery/disks/open-disk.js';
import { sectorSource } from '../recovery/core/byte-source.js';
import { analyzePartition } from '../recovery/filesystems/analyze-partition.js';

const file = process.argv[2];
if (!file) throw new Error('usage: map-one IMAGE');
const rssBefore = process.resourceUsage().maxRSS * 1024;
const disk = await openImageFile(file);
try {
  const started = performance.now();
  const analysis = await analyzePartition(sectorSource(disk));
  const seconds = (performance.now() - started) / 1000;
  const { map } = analysis;
  process.stdout.write(
    `${JSON.stringify({
      type: analysis.info?.type ?? null,
      coverage: analysis.coverage,
      reason: analysis.reason,
      sizeBytes: disk.sizeBytes,
      blockSizeBytes: map.blockSizeBytes,
      usedBlocks: map.used.totalBlocks,
      usedBytes: map.used.totalBlocks * map.blockSizeBytes,
      runs: map.used.length,
      mapBytes: map.used.length * 16,
      seconds,
      rssBeforeBytes: rssBefore,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    })}\n`,
  );
} finally {
  await disk.close();
}
