/**
 * The JavaScript CRC-32C that stands in when the native addon cannot load (a Windows without the
 * Visual C++ runtime) must give exactly the native values, including the running form ext4 uses,
 * or images written by one would fail the other's checks.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32cModule, pick } from '../../../recovery/core/crc32c-module.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const require = createRequire(import.meta.url);

describe('CRC-32C implementations', () => {
  const native = pick(require, false);
  const js = pick(require, true);

  it('uses the native addon here, and says why when it falls back', () => {
    expect(native.native).toBe(true);
    expect(native.exportName).toBe('crc32c');
    expect(crc32cModule().native).toBe(true);
    expect(js.native).toBe(false);
    expect(js.fallbackReason).toBe('LIFEBOAT_CRC32C=js');
    expect(js.path).toMatch(/crc-32[/\\]crc32c\.js$/);
  });

  it('gives the standard check value and the same values on random data, whole and continued', () => {
    const check = new TextEncoder().encode('123456789');
    expect(native.crc32c(check)).toBe(0xe3069283);
    expect(js.crc32c(check)).toBe(0xe3069283);
    const random = seededRandom(7);
    for (const size of [0, 1, 3, 4, 7, 8, 63, 64, 65, 4096, 1 << 20]) {
      const bytes = new Uint8Array(size).map(() => Math.floor(random() * 256));
      const whole = native.crc32c(bytes);
      expect(js.crc32c(bytes), `size ${size}`).toBe(whole);
      const cut = Math.floor(size / 3);
      expect(js.crc32c(bytes.subarray(cut), js.crc32c(bytes.subarray(0, cut)))).toBe(whole);
      expect(native.crc32c(bytes.subarray(cut), native.crc32c(bytes.subarray(0, cut)))).toBe(whole);
    }
  });

  it('loads in a worker by path and export name, as the chunk workers do', () => {
    const loaded = require(js.path) as Record<string, (bytes: Uint8Array) => number>;
    expect(loaded[js.exportName]!(new TextEncoder().encode('123456789')) >>> 0).toBe(0xe3069283);
  });
});

describe('a repository written with the JavaScript CRC-32C', () => {
  it('passes check --read-data with the native one, and the reverse', async () => {
    const { execa } = await import('execa');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const main = path.resolve(import.meta.dirname, '../../../build/recovery/cli/main.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-crc-'));
    try {
      const random = seededRandom(11);
      await writeFile(
        path.join(dir, 'disk.img'),
        new Uint8Array(3 << 20).map(() => Math.floor(random() * 256)),
      );
      for (const [writer, checker] of [
        ['js', 'native'],
        ['native', 'js'],
      ] as const) {
        const repo = path.join(dir, `repo-${writer}`);
        const env = (which: string) => (which === 'js' ? { LIFEBOAT_CRC32C: 'js' } : {});
        const capture = await execa(process.execPath, [main, 'capture', '--source', path.join(dir, 'disk.img'), '--repo', repo, '--chunk-size', '65536'], {
          env: env(writer),
          reject: false,
        });
        expect(capture.exitCode, capture.stderr).toBe(0);
        const check = await execa(process.execPath, [main, 'check', '--repo', repo, '--read-data'], { env: env(checker), reject: false });
        expect(check.exitCode, check.stdout + check.stderr).toBe(0);
        expect(check.stdout).toMatch(/No damage found/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
