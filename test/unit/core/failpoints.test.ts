import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseFailpoint } from '../../../recovery/core/failpoints/failpoint.js';
import { FAILPOINTS, failpointMarkdown } from '../../../recovery/core/failpoints/failpoint-table.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'build/recovery/cli/main.js');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.tsx?$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

describe('the failpoint table', () => {
  it('is the table docs/failpoints.md shows (npm run docs:failpoints rewrites it)', async () => {
    const docs = await readFile(path.join(ROOT, 'docs/failpoints.md'), 'utf8');
    const table = /<!-- failpoint-table:begin -->\n([\s\S]*?)\n<!-- failpoint-table:end -->/.exec(docs)?.[1];
    expect(table).toBe(failpointMarkdown());
  });

  it('names each point once, as command.moment, with the rule it tests', () => {
    const names = FAILPOINTS.map((point) => point.name);
    expect(new Set(names).size).toBe(names.length);
    for (const point of FAILPOINTS) {
      expect(point.name).toMatch(/^[a-z]+(-[a-z]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(point.rule.length, point.name).toBeGreaterThan(30);
    }
  });

  it('has every point placed in the engine exactly where one failpoint() call names it', async () => {
    const files = (await sourceFiles(path.join(ROOT, 'recovery'))).filter((file) => !file.includes(`${path.sep}failpoints${path.sep}`));
    const calls = new Map<string, number>();
    for (const file of files) {
      for (const match of (await readFile(file, 'utf8')).matchAll(/failpoint\('([^']+)'\)/g)) calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + 1);
    }
    for (const point of FAILPOINTS) expect(calls.get(point.name), `failpoint('${point.name}') in recovery/`).toBe(1);
    // A call naming a point that is not in the table would not even type-check; this says so plainly.
    for (const name of calls.keys()) expect(FAILPOINTS.map((p) => p.name as string)).toContain(name);
  });
});

describe('LIFEBOAT_FAILPOINT', () => {
  it('reads NAME and NAME:N, and refuses unknown names and counts below 1', () => {
    const first = FAILPOINTS[0].name;
    expect(parseFailpoint(first)).toEqual({ name: first, hit: 1 });
    expect(parseFailpoint(`${first}:17`)).toEqual({ name: first, hit: 17 });
    expect(() => parseFailpoint('capture.no-such-point:1')).toThrow(/names no failpoint/);
    expect(() => parseFailpoint(`${first}:0`)).toThrow(/1 or more/);
    expect(() => parseFailpoint(`${first}:x`)).toThrow(/names no failpoint/);
  });

  it('makes a mistyped point a usage error of the CLI (exit 2), so no crash test passes for the wrong reason', async () => {
    const run = await execa(process.execPath, [CLI, '--version'], { reject: false, env: { LIFEBOAT_FAILPOINT: 'capture.no-such-point:3' } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/LIFEBOAT_FAILPOINT=capture\.no-such-point:3 names no failpoint/);
  });

  it('lists every point with --list-failpoints', async () => {
    const run = await execa(process.execPath, [CLI, '--list-failpoints'], { reject: false });
    expect(run.exitCode).toBe(0);
    for (const point of FAILPOINTS) expect(run.stdout).toContain(point.name);
  });
});
