/**
 * The single binary on its own: copied alone into an empty directory and run with an environment
 * whose PATH holds only the system tools (/usr/sbin, where no node lives), no node_modules and a
 * temp dir of the test's, as on a live stick.
 * `npm test` builds dist/lifeboat-linux-x64 before the suite runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { sfdiskDump } from '../helpers/fs-checkers.js';
import { useScratch } from '../helpers/loop-device.js';
import { lsblk } from '../helpers/lsblk.js';
import { describeWith } from '../helpers/requirements.js';
import { expectSameFilesystems, withoutLastLba } from '../helpers/round-trip-checks.js';
import { buildGptDisk, type SourceDisk } from '../helpers/source-disks.js';
import { jsonLines, MiB, resultOf } from '../integration/pipeline/cli-pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILT = path.join(ROOT, 'dist/lifeboat-linux-x64');
const MANIFEST = path.join(ROOT, 'build/binary/stage/linux-x64/payload-manifest.json');
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** System tools stay reachable (a live image has them); the node of this machine does not. */
const TOOLS_ONLY_PATH = '/usr/sbin:/sbin';

const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:sfdisk',
  'tool:mkfs.ext4',
  'tool:mkntfs',
  'tool:mkfs.fat',
  'tool:e2fsck',
  'tool:ntfsfix',
  'tool:fsck.fat',
  'tool:mcopy',
  'tool:ntfs-3g',
  'tool:lsblk',
] as const;

describeWith([...NEEDS], 'the single binary, alone in an empty directory with no node', () => {
  const scratch = useScratch('all');
  let dir: string;
  let binary: string;
  let tempDir: string;

  /** Runs the copied binary with nothing from this machine's Node world in reach. */
  function run(args: string[], options: { binaryPath?: string } = {}) {
    return execa(options.binaryPath ?? binary, args, {
      cwd: dir,
      reject: false,
      extendEnv: false,
      env: { PATH: TOOLS_ONLY_PATH, TMPDIR: tempDir, HOME: dir, NO_COLOR: '1' },
    });
  }

  function leftovers(): string[] {
    return readdirSync(tempDir).filter((name) => name.startsWith('lifeboat-run-'));
  }

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: npm test builds it (npm run build:binary).`);
    dir = path.join(scratch().dir, 'alone');
    tempDir = path.join(scratch().dir, 'tmp');
    await mkdir(dir);
    await mkdir(tempDir);
    binary = path.join(dir, 'lifeboat-linux-x64');
    await copyFile(BUILT, binary);
    await execa('chmod', ['755', binary]);
  });

  it('starts with no node on PATH: --version prints the package version and leaves no files behind', async () => {
    expect(readdirSync(dir)).toEqual(['lifeboat-linux-x64']);
    // What a SIGKILLed run leaves: the next start removes it, because its process is gone.
    const gone = execa('true');
    await gone;
    const abandoned = path.join(tempDir, `lifeboat-run-${String(gone.pid)}-AbCdEf`);
    await mkdir(abandoned);
    await writeFile(path.join(abandoned, 'lifeboat-helper'), 'left by a killed run');
    const noNode = await execa('/bin/sh', ['-c', 'command -v node'], { reject: false, extendEnv: false, env: { PATH: TOOLS_ONLY_PATH } });
    expect(noNode.exitCode, 'the test environment must not find a node').not.toBe(0);
    const result = await run(['--version']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(dir)).toEqual(['lifeboat-linux-x64']);
  });

  it('disks --json lists a loop disk as lsblk sees it, through the embedded helper', async () => {
    const file = await scratch().sparseFile('listed.img', 48 * MiB);
    await execa('sfdisk', ['-q', file], { input: 'label: gpt\nsize=20M, type=linux\nsize=10M, type=uefi\n' });
    const device = await scratch().attachPartitioned(file);
    const result = await run(['disks', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      schema: string;
      disks: Array<{ path: string; sizeBytes: number; partitions: Array<{ number: number; startBytes: number; sizeBytes: number }> }>;
    };
    expect(doc.schema).toBe('lifeboat.disks/1');
    const listed = doc.disks.find((disk) => disk.path === device);
    const oracle = await lsblk(device);
    expect(listed?.sizeBytes).toBe(oracle.size);
    expect(listed?.partitions.map((p) => [p.number, p.sizeBytes])).toEqual((oracle.children ?? []).map((child, i) => [i + 1, child.size]));
    expect(leftovers()).toEqual([]);
  });

  it('captures, verifies and restores a GPT disk (ESP, NTFS, ext4); the copy passes the filesystem checkers and holds the same files', async () => {
    const source: SourceDisk = await buildGptDisk(scratch(), 'binary-source.img');
    const repo = path.join(dir, 'repo');
    const captured = await run(['capture', '--source', source.device, '--repo', repo, '--json']);
    expect(captured.exitCode, captured.stdout + captured.stderr).toBe(0);
    expect(resultOf(captured.stdout)['newChunks']).toBeGreaterThan(0);

    const verified = await run(['verify', '--repo', repo, '--json']);
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);

    const targetFile = await scratch().sparseFile('binary-target.img', 256 * MiB + 32 * MiB);
    const target = await scratch().attach(targetFile);
    const restored = await run(['restore', '--repo', repo, '--target', target, '--verify', '--yes', '--confirm-target', path.basename(target), '--json']);
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
    expect(resultOf(restored.stdout)['verified']).toBe(true);
    // Progress came through the worker threads, which load zstd from the unpacked addon.
    expect(jsonLines(restored.stdout).some((line) => line['type'] === 'progress')).toBe(true);

    expect(withoutLastLba(await sfdiskDump(target))).toBe(withoutLastLba(await sfdiskDump(source.device)));
    await expectSameFilesystems(source, target);
    const against = await run(['verify', '--repo', repo, '--against', target]);
    expect(against.exitCode, against.stdout + against.stderr).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('a copy whose embedded helper is damaged refuses to start and says so', async () => {
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as { files: Array<{ path: string; offset: number; sizeBytes: number }> };
    const app = manifest.files.find((file) => file.path === 'app.mjs');
    const helper = manifest.files.find((file) => file.path === 'lifeboat-helper');
    if (!app || !helper) throw new Error(`${MANIFEST} lacks app.mjs or the helper`);
    // The payload is base64 in the launcher script; it starts with app.mjs, so the base64 of the
    // bundle's first bytes finds it, and the helper's bytes lie at a computable distance.
    const bytes = await readFile(binary);
    const appHead = (await readFile(path.join(ROOT, 'build/binary/stage/linux-x64/app.mjs'))).subarray(0, 3000);
    const start = bytes.indexOf(Buffer.from(appHead.toString('base64'), 'latin1'));
    expect(start).toBeGreaterThan(0);
    const inHelper = start + Math.ceil((helper.offset + helper.sizeBytes / 2) / 3) * 4;
    bytes[inHelper] = bytes[inHelper] === 0x41 ? 0x42 : 0x41;
    const damaged = path.join(dir, 'damaged-lifeboat');
    await writeFile(damaged, bytes, { mode: 0o755 });

    const result = await run(['--version'], { binaryPath: damaged });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('lifeboat-helper does not match its SHA-256');
    expect(result.stderr).toContain('[BINARY_DAMAGED]');
    expect(leftovers()).toEqual([]);
  });
});
