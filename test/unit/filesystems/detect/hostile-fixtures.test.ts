/**
 * Every file in test/fixtures/hostile/detect/ is fed to the prober it targets: the answer is the
 * one its README promises (null, a partial description, or our error with a readable message),
 * and the reads stay within the prober's stated bound. The files are regenerated from
 * hostile-fixtures.ts and must match byte for byte (LIFEBOAT_WRITE_FIXTURES=1 rewrites them).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { detectOnlyProbers } from '../../../../recovery/filesystems/detect-only-probers.js';
import { countingSource } from '../../../helpers/fuzz.js';
import { fromSparseJson, hostileFixtures, toSparseJson } from './hostile-fixtures.js';

const DIR = path.resolve(import.meta.dirname, '../../../fixtures/hostile/detect');
/** The most any detect-only prober reads: ten LUKS2 header areas of at most 4 MiB each. */
const MAX_BYTES_READ = 41 * 1024 * 1024;
const MAX_READS = 64;

describe('hostile detection fixtures', async () => {
  const generated = hostileFixtures();
  if (process.env['LIFEBOAT_WRITE_FIXTURES'] === '1') {
    for (const fixture of generated) await writeFile(path.join(DIR, `${fixture.name}.json`), toSparseJson(fixture));
  }
  const files = (await readdir(DIR)).filter((name) => name.endsWith('.json')).sort();

  it('the committed files are exactly what hostile-fixtures.ts generates, and the README lists each', async () => {
    expect(files).toEqual(generated.map((f) => `${f.name}.json`).sort());
    const readme = await readFile(path.join(DIR, 'README.md'), 'utf8');
    for (const fixture of generated) {
      expect(await readFile(path.join(DIR, `${fixture.name}.json`), 'utf8')).toBe(toSparseJson(fixture));
      expect(readme).toContain(`${fixture.name}.json`);
    }
  });

  it.each(files)('%s', async (file) => {
    const fixture = fromSparseJson(await readFile(path.join(DIR, file), 'utf8'));
    const prober = detectOnlyProbers.find((p) => p.type === fixture.prober);
    expect(prober, `no prober for ${fixture.prober}`).toBeDefined();
    const source = countingSource(bufferSource(fixture.bytes), { maxReads: MAX_READS, maxBytesRead: MAX_BYTES_READ });
    const outcome = await prober!.probe(source).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    if ('code' in fixture.expect) {
      expect('error' in outcome && isLifeboatError(outcome.error), `expected ${fixture.expect.code}, got ${JSON.stringify(outcome)}`).toBe(true);
      const error = (outcome as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(fixture.expect.code);
      expect(error.message).toContain(fixture.expect.messageIncludes);
      // A sentence a person can act on: what, where, and what to do.
      expect(error.message).toMatch(/copy the whole partition|metadata is damaged/);
    } else {
      expect(outcome).not.toHaveProperty('error');
      const result = (outcome as { result: unknown }).result;
      if (fixture.expect.result === null) expect(result).toBeNull();
      else expect(result).toMatchObject(fixture.expect.result);
    }
  });
});
