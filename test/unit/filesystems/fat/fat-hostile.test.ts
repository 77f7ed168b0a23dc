import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { fatProber, fatUsedBlocks } from '../../../../recovery/filesystems/fat/index.js';
import { applyCase, FIXTURES, loadCases } from './fat-fixtures.js';

const { cases } = loadCases('fat');

/** Probes, then maps: the whole path a capture takes through a FAT partition. */
async function probeAndMap(bytes: Uint8Array): Promise<'not-fat' | 'mapped'> {
  const source = bufferSource(bytes);
  const info = await fatProber.probe(source);
  if (info === null) return 'not-fat';
  await fatUsedBlocks(source, info);
  return 'mapped';
}

describe('hostile FAT volumes (test/fixtures/hostile/fat)', () => {
  it('lists every case in the README', () => {
    const readme = readFileSync(`${FIXTURES}/fat/README.md`, 'utf8');
    for (const hostile of cases) expect(readme).toContain(`\`${hostile.name}\``);
  });

  for (const hostile of cases) {
    it(`${hostile.name}: ${hostile.exercises}`, async () => {
      const bytes = applyCase('fat', hostile);
      if (hostile.code === null) {
        expect(await probeAndMap(bytes)).toBe('not-fat');
        return;
      }
      if (hostile.probes) await expect(fatProber.probe(bufferSource(bytes))).resolves.not.toBeNull();
      const error: unknown = await probeAndMap(bytes).then(
        (outcome) => new Error(`expected ${hostile.code}, got ${outcome}`),
        (thrown: unknown) => thrown,
      );
      expect(isLifeboatError(error), String(error)).toBe(true);
      expect(error).toMatchObject({ code: hostile.code, message: expect.stringContaining(hostile.message ?? '') });
      // Whole sentences a person can read (what is wrong, where, and what to do).
      expect((error as Error).message).toMatch(/^\S.{40,}\.$/);
    });
  }
});
