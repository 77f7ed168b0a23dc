/**
 * Tests FAT and exFAT share, over the fixtures of fat-fixtures.ts: each filesystem's test file
 * calls these with its own prober and used-block mapper.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import type { Prober, UsedBlockMap, UsedBlockMapper } from '../../../../recovery/filesystems/filesystem-types.js';
import { applyCase, FIXTURES, loadBase, loadCases, type Area, type BaseFacts } from './fat-fixtures.js';

/** How each area is named in test titles, and the type its prober reports (blkid's TYPE). */
const FILESYSTEMS = {
  fat: { title: 'FAT', type: 'vfat' },
  exfat: { title: 'exFAT', type: 'exfat' },
} as const satisfies Record<Area, { title: string; type: string }>;

/**
 * Every case of test/fixtures/hostile/<area>/hostile-cases.json: the README lists it, and probing
 * then mapping it gives "not this filesystem" or the case's Lifeboat error with a readable message.
 */
export function describeHostileCases(area: Area, prober: Prober, mapper: UsedBlockMapper): void {
  const { cases } = loadCases(area);
  const notThis = `not-${area}` as const;

  /** Probes, then maps: the whole path a capture takes through a partition of this filesystem. */
  async function probeAndMap(bytes: Uint8Array): Promise<typeof notThis | 'mapped'> {
    const source = bufferSource(bytes);
    const info = await prober.probe(source);
    if (info === null) return notThis;
    await mapper(source, info);
    return 'mapped';
  }

  describe(`hostile ${FILESYSTEMS[area].title} volumes (test/fixtures/hostile/${area})`, () => {
    it('lists every case in the README', () => {
      const readme = readFileSync(`${FIXTURES}/${area}/README.md`, 'utf8');
      for (const hostile of cases) expect(readme).toContain(`\`${hostile.name}\``);
    });

    for (const hostile of cases) {
      it(`${hostile.name}: ${hostile.exercises}`, async () => {
        const bytes = applyCase(area, hostile);
        if (hostile.code === null) {
          expect(await probeAndMap(bytes)).toBe(notThis);
          return;
        }
        if (hostile.probes) await expect(prober.probe(bufferSource(bytes))).resolves.not.toBeNull();
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
}

/**
 * Probes and maps a base image, expecting exactly the facts measured when it was made (type,
 * version, label and UUID as blkid prints them, size, block size, used sectors, clean) and a map
 * in 512-byte sectors over the whole image. Returns the facts and the map for further checks.
 */
export async function expectBaseAsMeasured(
  area: Area,
  name: string,
  prober: Prober,
  mapper: UsedBlockMapper,
): Promise<{ facts: BaseFacts; map: UsedBlockMap }> {
  const facts = loadCases(area).bases[name]!;
  const bytes = loadBase(area, name);
  const info = await prober.probe(bufferSource(bytes));
  expect(info).toEqual({
    type: FILESYSTEMS[area].type,
    version: facts.version,
    label: facts.label,
    uuid: facts.uuid,
    sizeBytes: facts.sizeBytes,
    blockSizeBytes: facts.blockSizeBytes,
    usedBytes: facts.usedSectors * 512,
    dirty: false,
    dirtyReason: null,
  });
  const map = await mapper(bufferSource(bytes), info!);
  expect(map.blockSizeBytes).toBe(512);
  expect(map.totalBlocks).toBe(bytes.length / 512);
  return { facts, map };
}
