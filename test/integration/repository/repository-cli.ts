/** Shared bits of the repository-life tests: a small data disk, and the check/snapshots/prune CLI as data. */
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { Scratch } from '../../helpers/loop-device.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, lifeboat } from '../pipeline/cli-pipeline.js';

export interface CheckDocument {
  ok: boolean;
  errors: number;
  warnings: number;
  findings: Array<{ severity: string; kind: string; message: string; action: string | null }>;
  packs: number;
  blobsRead: number;
}

/** `lifeboat check --json`: one JSON document whatever the outcome, and the exit code. */
export async function check(repo: string, readData = false): Promise<{ exitCode: number; doc: CheckDocument; text: string }> {
  const run = await lifeboat('check', '--repo', repo, '--json', ...(readData ? ['--read-data'] : []));
  let doc: CheckDocument;
  try {
    doc = JSON.parse(run.stdout) as CheckDocument;
  } catch {
    throw new Error(`check --json did not print one JSON document (exit ${String(run.exitCode)}): ${run.stdout.slice(0, 500)} ${run.stderr.slice(0, 500)}`);
  }
  return { exitCode: run.exitCode ?? -1, doc, text: `${run.stdout}\n${run.stderr}` };
}

/** Asserts check passes (exit 0, no error finding) and returns the kinds of what it noted. */
export async function expectCheckPasses(repo: string, readData: boolean, why: string): Promise<string[]> {
  const { exitCode, doc, text } = await check(repo, readData);
  expect(
    doc.findings.filter((f) => f.severity === 'error'),
    `${why}\n${text}`,
  ).toEqual([]);
  expect(exitCode, `${why}\n${text}`).toBe(0);
  return doc.findings.map((f) => `${f.severity}:${f.kind}`);
}

export async function snapshotIds(repo: string): Promise<string[]> {
  const run = await lifeboat('snapshots', '--repo', repo, '--json');
  expect(run.exitCode, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { snapshots: Array<{ id: string }> }).snapshots.map((s) => s.id);
}

/** Bytes of every file under packs/. */
export async function packBytes(repo: string): Promise<number> {
  let total = 0;
  const root = path.join(repo, 'packs');
  for (const sub of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(path.join(root, sub))) total += (await stat(path.join(root, sub, name))).size;
  }
  return total;
}

export async function copyRepository(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await cp(from, to, { recursive: true });
}

/**
 * A GPT disk of `sizeBytes` with one ext4 partition holding `randomMiB` of seeded random bytes
 * (incompressible) and `textMiB` of counting text (compressible), on a loop device.
 */
export async function dataDisk(
  scratch: Scratch,
  name: string,
  sizeBytes: number,
  randomMiB: number,
  textMiB: number,
): Promise<{ file: string; device: string; partition: string }> {
  const file = await scratch.sparseFile(name, sizeBytes);
  await execa('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', file], { input: 'label: gpt\ntype=linux\n' });
  const device = await scratch.attachPartitioned(file);
  const partition = `${device}p1`;
  await execa('mkfs.ext4', ['-q', '-F', '-T', 'default', '-E', 'lazy_itable_init=0,lazy_journal_init=0', partition]);
  await withMount(partition, 'ext4', 'rw', async (root) => {
    for (let i = 0; i < randomMiB; i++) await writeFile(path.join(root, `random-${i}.bin`), seededBytes(7000 + i, MiB));
    const lines: string[] = [];
    for (let n = 0, length = 0; length < textMiB * MiB; n++) length += lines[lines.push(`line ${n}\n`) - 1]?.length ?? 0;
    await writeFile(path.join(root, 'counting.txt'), Buffer.from(lines.join('')).subarray(0, textMiB * MiB));
  });
  await execa('blockdev', ['--flushbufs', partition]);
  await execa('blockdev', ['--flushbufs', device]);
  return { file, device, partition };
}
