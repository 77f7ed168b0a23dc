import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { extProber, extUsedBlocks } from '../../../../recovery/filesystems/ext/index.js';
import { fuzzParser } from '../../../helpers/fuzz.js';

const fixtures = path.join(import.meta.dirname, '../../../fixtures/hostile/ext');

interface HostileCase {
  name: string;
  base: string;
  exercises: string;
  patches: Array<{ offset: number; size: 2 | 4; value: number }>;
  truncateTo?: number;
  code: string;
  message: string;
}

const catalogue = JSON.parse(readFileSync(path.join(fixtures, 'hostile-cases.json'), 'utf8')) as {
  bases: Record<string, { type: string; label: string; uuid: string; blockSizeBytes: number; usedBlocks: number }>;
  cases: HostileCase[];
};

function base(name: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(path.join(fixtures, `${name}.img.gz`))));
}

function hostile(entry: HostileCase): Uint8Array {
  const bytes = base(entry.base);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const patch of entry.patches) {
    if (patch.size === 2) view.setUint16(patch.offset, patch.value, true);
    else view.setUint32(patch.offset, patch.value, true);
  }
  return entry.truncateTo === undefined ? bytes : bytes.slice(0, entry.truncateTo);
}

/** What a capture does with a partition: probe it, then map it. */
async function probeAndMap(source: ByteSource): Promise<number | null> {
  const info = await extProber.probe(source);
  if (info === null) return null;
  return (await extUsedBlocks(source, info)).used.totalBlocks;
}

describe('ext hostile fixtures', () => {
  it('the README describes every case and every base', () => {
    const readme = readFileSync(path.join(fixtures, 'README.md'), 'utf8');
    for (const name of [...Object.keys(catalogue.bases), ...catalogue.cases.map((entry) => entry.name)]) expect(readme).toContain(name);
  });

  for (const [name, expected] of Object.entries(catalogue.bases)) {
    it(`the unpatched ${name} probes as blkid saw it and maps to dumpe2fs' used count`, async () => {
      const source = bufferSource(base(name));
      const info = await extProber.probe(source);
      expect(info).toMatchObject({ type: expected.type, label: expected.label, uuid: expected.uuid, blockSizeBytes: expected.blockSizeBytes });
      expect(info!.usedBytes).toBe(expected.usedBlocks * expected.blockSizeBytes);
      expect(await probeAndMap(source)).toBe(expected.usedBlocks);
    });
  }

  for (const entry of catalogue.cases) {
    it(`${entry.name}: ${entry.exercises} is ${entry.code}`, async () => {
      const error: unknown = await probeAndMap(bufferSource(hostile(entry))).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(isLifeboatError(error), `expected a LifeboatError, got ${String(error)}`).toBe(true);
      if (!isLifeboatError(error)) return;
      expect(error.code).toBe(entry.code);
      expect(error.message).toMatch(new RegExp(entry.message));
      // A sentence a person can act on: what is wrong and what to do.
      expect(error.message).toMatch(/^[A-Z].{40,}\.$/);
    });
  }
});

describe('ext parser under fuzzing', () => {
  // Reads stay bounded by the filesystem itself: one superblock, the descriptor table and one
  // bitmap block per group can never exceed twice the 1 MiB image plus slack.
  const bounds = { maxReads: 2500, maxBytesRead: 3 * 1024 * 1024 };

  for (const name of Object.keys(catalogue.bases)) {
    it(`${name}: mutated superblocks never throw anything but LifeboatError`, async () => {
      const result = await fuzzParser({ original: base(name), seed: 0xe47, iterations: 1500, parse: probeAndMap, ...bounds, from: 1024, to: 2048 });
      expect(result.accepted).toBeGreaterThan(0);
      expect(result.rejected).toBeGreaterThan(0);
    });

    it(`${name}: mutated descriptors and bitmaps never throw anything but LifeboatError`, async () => {
      const result = await fuzzParser({ original: base(name), seed: 0xb17, iterations: 1500, parse: probeAndMap, ...bounds, from: 2048, to: 12 * 1024 });
      expect(result.accepted).toBeGreaterThan(0);
      expect(result.rejected).toBeGreaterThan(0);
    });
  }
});
