import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { exfatProber, exfatUsedBlocks } from '../../../../recovery/filesystems/exfat/index.js';
import { applyCase, FIXTURES, loadCases } from '../fat/fat-fixtures.js';

const { cases } = loadCases('exfat');

/** Probes, then maps: the whole path a capture takes through an exFAT partition. */
async function probeAndMap(bytes: Uint8Array): Promise<'not-exfat' | 'mapped'> {
  const source = bufferSource(bytes);
  const info = await exfatProber.probe(source);
  if (info === null) return 'not-exfat';
  await exfatUsedBlocks(source, info);
  return 'mapped';
}

describe('hostile exFAT volumes (test/fixtures/hostile/exfat)', () => {
  it('lists every case in the README', () => {
    const readme = readFileSync(`${FIXTURES}/exfat/README.md`, 'utf8');
    for (const hostile of cases) expect(readme).toContain(`\`${hostile.name}\``);
  });

  for (const hostile of cases) {
    it(`${hostile.name}: ${hostile.exercises}`, async () => {
      const bytes = applyCase('exfat', hostile);
      if (hostile.code === null) {
        expect(await probeAndMap(bytes)).toBe('not-exfat');
        return;
      }
      if (hostile.probes) await expect(exfatProber.probe(bufferSource(bytes))).resolves.not.toBeNull();
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
