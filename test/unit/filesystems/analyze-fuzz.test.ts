import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { analyzePartition } from '../../../recovery/filesystems/analyze-partition.js';
import { countingSource, mutate, seededRandom } from '../../helpers/fuzz.js';

const HOSTILE = path.resolve(import.meta.dirname, '../../fixtures/hostile');

function base(area: string, name: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(path.join(HOSTILE, area, `${name}.img.gz`))));
}

/**
 * The path a capture takes: every prober, then the mapper of whichever matched. On any input it
 * must answer (a damaged or unknown partition is copied whole, never an exception), read a bounded
 * amount, and return a map that stays inside the partition.
 */
const BASES: Array<{ area: string; name: string; metadataBytes: number; iterations?: number }> = [
  { area: 'ext', name: 'base-ext4', metadataBytes: 64 * 1024 },
  { area: 'ext', name: 'base-ext2-meta-bg', metadataBytes: 64 * 1024 },
  { area: 'fat', name: 'fat12-base', metadataBytes: 16 * 1024 },
  // 33 MiB a copy: fewer rounds keep the file within seconds.
  { area: 'fat', name: 'fat32-base', metadataBytes: 600 * 1024, iterations: 120 },
  { area: 'exfat', name: 'exfat-base', metadataBytes: 256 * 1024 },
];

const ITERATIONS = 400;
/** Every prober and one mapper together read well under this on these small volumes. */
const MAX_BYTES_READ = 160 * 1024 * 1024;

describe('analysing mutated partitions always answers, within bounds, with a map inside the partition', () => {
  for (const { area, name, metadataBytes, iterations = ITERATIONS } of BASES) {
    it(`${name}: ${iterations} mutations`, async () => {
      const original = base(area, name);
      const random = seededRandom(0x5eed ^ name.length);
      const outcomes = { filesystem: 0, whole: 0, header: 0 };
      for (let i = 0; i < iterations; i++) {
        const input = mutate(original, random, 0, Math.min(metadataBytes, original.length));
        const source = countingSource(bufferSource(input), { maxReads: 100_000, maxBytesRead: MAX_BYTES_READ });
        const analysis = await analyzePartition(source).catch((error: unknown) => {
          throw new Error(`${name} iteration ${i}: analyzePartition threw ${String(error)}`, { cause: error });
        });
        outcomes[analysis.coverage]++;
        const { map } = analysis;
        expect(map.totalBlocks * map.blockSizeBytes).toBeGreaterThanOrEqual(input.length);
        const lastRun = map.used.length - 1;
        if (lastRun >= 0) expect(map.used.start(lastRun) + map.used.count(lastRun)).toBeLessThanOrEqual(map.totalBlocks);
        if (analysis.coverage !== 'filesystem') expect(analysis.reason).toMatch(/^This partition is copied (whole|header)|swap/);
      }
      // The mutations both kept some volumes readable and broke others.
      expect(outcomes.filesystem).toBeGreaterThan(0);
      expect(outcomes.whole).toBeGreaterThan(0);
    });
  }
});
