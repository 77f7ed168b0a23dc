/**
 * dist/lifeboat-win-x64.exe under Debian's Wine: it starts, its embedded helper answers, and it
 * captures, verifies and restores a GPT disk image (FAT32 ESP + ext4) that Linux tools made and
 * check. Images and repositories stay on the Linux side, reached through Wine's drive Z:. Then
 * across platforms: what the Linux binary captured the Windows one restores, and the reverse, all
 * to the same bytes. Wine is not Windows: docs/windows.md says what this does and does not prove.
 * `npm test` builds both binaries before the suite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../helpers/requirements.js';
import { buildSourceImage, expectRestoredImage, type SourceImage } from './windows-source-image.js';
import { createWinePrefix, removeWinePrefix, runUnderWine, winePath, type WinePrefix, type WineRun } from './windows-wine.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WINDOWS_BINARY = path.join(ROOT, 'dist/lifeboat-win-x64.exe');
const LINUX_BINARY = path.join(ROOT, 'dist/lifeboat-linux-x64');
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const NEEDS = [
  'tool:wine',
  'tool:wineboot',
  'tool:winepath',
  'tool:wineserver',
  'tool:x86_64-w64-mingw32-gcc',
  'tool:sfdisk',
  'tool:mkfs.fat',
  'tool:mcopy',
  'tool:mkfs.ext4',
  'tool:e2fsck',
  'tool:fsck.fat',
  'tool:debugfs',
] as const;

interface JsonLine {
  type?: string;
  [key: string]: unknown;
}

function resultLine(run: WineRun | { stdout: string }): JsonLine {
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as JsonLine);
  const result = lines.find((line) => line.type === 'result');
  if (!result) throw new Error(`no result line in: ${run.stdout.slice(-800)}`);
  return result;
}

describeWith([...NEEDS], 'the Windows single binary under Wine', () => {
  let work: string;
  let prefix: WinePrefix;
  let exe: string;
  let source: SourceImage;
  const timings: string[] = [];

  /** Runs the Windows binary with Windows paths; stdout and stderr come back through files. */
  async function windows(name: string, ...args: string[]): Promise<WineRun> {
    const run = await runUnderWine(prefix, exe, args, work, name);
    timings.push(`${name}: ${run.seconds.toFixed(1)} s`);
    return run;
  }

  async function linux(name: string, ...args: string[]) {
    const started = performance.now();
    const run = await execa(LINUX_BINARY, args, {
      reject: false,
      extendEnv: false,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TMPDIR: work, NO_COLOR: '1' },
    });
    timings.push(`${name} (Linux binary): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return run;
  }

  async function blankImage(name: string): Promise<string> {
    const file = path.join(work, name);
    await writeFile(file, '');
    await truncate(file, source.sizeBytes);
    return file;
  }

  const leftovers = () => readdirSync(prefix.tempDir).filter((name) => name.startsWith('lifeboat-run-'));

  beforeAll(async () => {
    for (const binary of [WINDOWS_BINARY, LINUX_BINARY])
      if (!existsSync(binary)) throw new Error(`${binary} is missing: npm test builds it (npm run build:binary).`);
    work = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-wine-'));
    let started = performance.now();
    prefix = await createWinePrefix(work);
    timings.push(`new Wine prefix: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    exe = path.join(work, 'lifeboat-win-x64.exe');
    await copyFile(WINDOWS_BINARY, exe);
    started = performance.now();
    source = await buildSourceImage(work);
    timings.push(`source image: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 180_000);

  afterAll(async () => {
    process.stderr.write(`Windows binary under Wine, timings:\n  ${timings.join('\n  ')}\n`);
    if (prefix) await removeWinePrefix(prefix);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('--version prints the package version, and the next start sweeps what the last one could not remove', async () => {
    const first = await windows('version-1', '--version');
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.stdout.trim()).toBe(version);
    // Windows cannot delete an addon a running process has loaded, so a run may leave its own
    // directory; every start removes those of processes that are gone, so at most one stays.
    for (let i = 2; i <= 3; i++) expect((await windows(`version-${i}`, '--version')).stdout.trim()).toBe(version);
    expect(leftovers().length).toBeLessThanOrEqual(1);
  });

  it('disks --json answers through the embedded helper with a valid disks document', async () => {
    const run = await windows('disks', 'disks', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { schema: string; disks: Array<{ path: string; logicalSectorSize: number }> };
    expect(doc.schema).toBe('lifeboat.disks/1');
    expect(Array.isArray(doc.disks)).toBe(true);
    // Wine may show its own idea of a disk or none; what it shows must be in Windows' form.
    for (const disk of doc.disks) {
      expect(disk.path).toMatch(/^\\\\\.\\PhysicalDrive\d+$/);
      expect([512, 4096]).toContain(disk.logicalSectorSize);
    }
  });

  it('captures, verifies, restores and verifies against a GPT image (ESP + ext4); the copy passes the Linux oracles', async () => {
    const repo = winePath(path.join(work, 'repo-win'));
    const captured = await windows('capture', 'capture', '--source', winePath(source.file), '--repo', repo, '--json');
    expect(captured.exitCode, captured.stdout.slice(-800) + captured.stderr).toBe(0);
    expect(resultLine(captured)['newChunks']).toBeGreaterThan(0);

    const verified = await windows('verify', 'verify', '--repo', repo, '--json');
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(resultLine(verified)['problemCount']).toBe(0);

    const target = await blankImage('restored-win.img');
    const restored = await windows(
      'restore',
      'restore',
      '--repo',
      repo,
      '--target',
      winePath(target),
      '--verify',
      '--yes',
      '--confirm-target',
      winePath(target),
      '--json',
    );
    expect(restored.exitCode, restored.stdout.slice(-800) + restored.stderr).toBe(0);
    expect(resultLine(restored)['verified']).toBe(true);

    const against = await windows('verify-against', 'verify', '--repo', repo, '--against', winePath(target));
    expect(against.exitCode, against.stdout + against.stderr).toBe(0);

    await expectRestoredImage(target, source, work);
    // The source is a fresh sparse file, so every byte mkfs and the tools did not write is zero and
    // everything they wrote is in use: the restored copy is the source, byte for byte.
    expect(cmp(target, source.file)).toBe(true);
  });

  it('across platforms: the Linux binary restores what Wine captured and the reverse, to identical images', async () => {
    const linuxRepo = path.join(work, 'repo-linux');
    const captured = await linux('capture', 'capture', '--source', source.file, '--repo', linuxRepo, '--json');
    expect(captured.exitCode, captured.stderr).toBe(0);

    const fromLinux = await blankImage('windows-from-linux.img');
    const restoredOnWindows = await windows(
      'restore-linux-repo',
      'restore',
      '--repo',
      winePath(linuxRepo),
      '--target',
      winePath(fromLinux),
      '--verify',
      '--yes',
      '--confirm-target',
      winePath(fromLinux),
      '--json',
    );
    expect(restoredOnWindows.exitCode, restoredOnWindows.stdout.slice(-800) + restoredOnWindows.stderr).toBe(0);

    const fromWindows = await blankImage('linux-from-windows.img');
    const restoredOnLinux = await linux(
      'restore-windows-repo',
      'restore',
      '--repo',
      path.join(work, 'repo-win'),
      '--target',
      fromWindows,
      '--verify',
      '--yes',
      '--confirm-target',
      fromWindows,
      '--json',
    );
    expect(restoredOnLinux.exitCode, restoredOnLinux.stderr).toBe(0);

    const linuxOnly = await blankImage('linux-from-linux.img');
    const plain = await linux('restore-linux-repo', 'restore', '--repo', linuxRepo, '--target', linuxOnly, '--yes', '--confirm-target', linuxOnly, '--json');
    expect(plain.exitCode, plain.stderr).toBe(0);

    await expectRestoredImage(fromLinux, source, work);
    for (const copy of [fromLinux, fromWindows, path.join(work, 'restored-win.img')]) expect(cmp(copy, linuxOnly), path.basename(copy)).toBe(true);
    // The Windows binary also verifies the Linux-restored disk against its own repository.
    const against = await windows('verify-against-linux-copy', 'verify', '--repo', winePath(path.join(work, 'repo-win')), '--against', winePath(linuxOnly));
    expect(against.exitCode, against.stdout + against.stderr).toBe(0);
  });

  it('starts and captures where the CRC-32C addon cannot load, with the JavaScript fallback and the same repository', async () => {
    // Without the stand-in, the addon's import of bcryptprimitives.dll fails as a missing
    // VCRUNTIME140.dll does on a Windows without the Visual C++ runtime; before the fallback
    // existed, the binary could not start here at all.
    await rm(path.join(prefix.dir, 'drive_c/windows/system32/bcryptprimitives.dll'));
    const version = await windows('version-without-crc-addon', '--version');
    expect(version.exitCode, version.stderr).toBe(0);
    const repo = path.join(work, 'repo-win-js-crc');
    const captured = await windows('capture-js-crc', 'capture', '--source', winePath(source.file), '--repo', winePath(repo), '--json');
    expect(captured.exitCode, captured.stdout.slice(-800) + captured.stderr).toBe(0);
    // The Linux binary, with the native addon, proves every blob's CRC-32C and hash.
    const check = await linux('check-js-crc-repo', 'check', '--repo', repo, '--read-data');
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/No damage found/);
  });
});

/** cmp(1) on two whole files: the oracle for "byte for byte". */
function cmp(a: string, b: string): boolean {
  try {
    execFileSync('cmp', ['--silent', a, b]);
    return true;
  } catch {
    return false;
  }
}
