/**
 * `check` finds real damage and says what to do; `repair` rebuilds the index; a new capture of
 * the same disk then heals what repair had to drop. The source is a plain image file, so these
 * run without root or loop devices.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkIndex } from '../../../recovery/repository/chunk-index.js';
import { BLOB_HEADER_BYTES, DIGEST_BYTES, isZeroDigest } from '../../../recovery/repository/format-constants.js';
import { readPackTrailer } from '../../../recovery/repository/pack-reader.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { parseManifest, serializeManifest } from '../../../recovery/repository/snapshot-manifest.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { MiB, lifeboat } from '../pipeline/cli-pipeline.js';
import { check, copyRepository, expectCheckPasses, snapshotIds } from './repository-cli.js';

function flip(bytes: Buffer, at: number, mask: number): void {
  bytes.writeUInt8(bytes.readUInt8(at) ^ mask, at);
}
let dir: string;
let source: string;
let template: string;

async function capture(repo: string): Promise<void> {
  const run = await lifeboat('capture', '--source', source, '--repo', repo, '--chunk-size', String(64 * 1024), '--pack-size', String(MiB), '--json');
  expect(run.exitCode, run.stderr + run.stdout.slice(-300)).toBe(0);
}

async function fresh(name: string): Promise<string> {
  const repo = path.join(dir, name);
  await copyRepository(template, repo);
  return repo;
}

async function packIds(repo: string): Promise<string[]> {
  return (await (await Repository.open(repo)).listPacks()).sort();
}

function packFile(repo: string, id: string): string {
  return path.join(repo, 'packs', id.slice(0, 2), `${id}.pack`);
}

/** The kinds of the error findings, sorted and without repeats. */
async function errorKinds(repo: string, readData = false): Promise<{ exitCode: number; kinds: string[]; text: string; messages: string[] }> {
  const { exitCode, doc, text } = await check(repo, readData);
  const errors = doc.findings.filter((f) => f.severity === 'error');
  return { exitCode, kinds: [...new Set(errors.map((f) => f.kind))].sort(), text, messages: errors.map((f) => `${f.message} | ${f.action ?? ''}`) };
}

async function repair(repo: string, ...extra: string[]): Promise<Record<string, unknown>> {
  const run = await lifeboat('repair', '--repo', repo, '--json', ...extra);
  expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** A second capture of the same source stores again what repair dropped; the old snapshot is whole again. */
async function expectHealedByCapture(repo: string, snapshot: string): Promise<void> {
  await capture(repo);
  await expectCheckPasses(repo, true, 'after a new capture of the same disk');
  const verified = await lifeboat('verify', '--repo', repo, '--snapshot', snapshot);
  expect(verified.exitCode, verified.stderr).toBe(0);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-check-'));
  source = path.join(dir, 'source.img');
  // 1 MiB of zeros (no partition table), 6 MiB random, 4 MiB text, 1 MiB zeros: 64 KiB chunks in 1 MiB packs.
  const text = Buffer.from(Array.from({ length: 600_000 }, (_, i) => `line ${i}\n`).join('')).subarray(0, 4 * MiB);
  await writeFile(source, Buffer.concat([Buffer.alloc(MiB), seededBytes(42, 6 * MiB), text, Buffer.alloc(MiB)]));
  template = path.join(dir, 'template');
  await capture(template);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('check on a sound repository', () => {
  it('passes with nothing to note, and --read-data proves every blob', async () => {
    const { exitCode, doc } = await check(template, true);
    expect(exitCode).toBe(0);
    expect(doc.findings).toEqual([]);
    expect(doc.blobsRead).toBeGreaterThan(100);
    expect(doc.packs).toBe((await packIds(template)).length);
  });

  it('prints one line per finding with what to do, and exits 1 on damage (text mode)', async () => {
    const repo = await fresh('text-mode');
    await rm(packFile(repo, (await packIds(repo))[0] as string));
    const run = await lifeboat('check', '--repo', repo);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^error: The index lists \d+ chunk\(s\) in pack [0-9a-f]{32}, which is not in the repository\.$/m);
    expect(run.stdout).toContain('  what to do: copy packs/');
    expect(run.stderr).toContain('[CORRUPT_IMAGE]');
  });
});

describe('check finds real damage, and repair fixes what an index rebuild can fix', () => {
  it('a flipped byte inside a blob: found only with --read-data, naming pack, chunk and snapshot; repair --read-data drops it and a new capture heals it', async () => {
    const repo = await fresh('flipped');
    const [snapshot] = await snapshotIds(repo);
    const id = (await packIds(repo))[1] as string;
    const entry = (await readPackTrailer(repo, id))[0]!;
    const bytes = await readFile(packFile(repo, id));
    flip(bytes, entry.location.offsetBytes + BLOB_HEADER_BYTES + 10, 0x01);
    await writeFile(packFile(repo, id), bytes);
    expect((await check(repo)).exitCode).toBe(0);
    const found = await errorKinds(repo, true);
    expect(found.exitCode).toBe(1);
    expect(found.kinds).toEqual(['chunk-damaged']);
    expect(found.messages[0]).toContain(`pack ${id} at byte ${entry.location.offsetBytes}`);
    expect(found.messages[0]).toContain('CRC-32C');
    expect(found.messages[0]).toContain(`snapshot ${String(snapshot)}`);
    const repaired = await repair(repo, '--read-data');
    expect(repaired['rebuilt']).toEqual([expect.objectContaining({ id, lostBlobs: 1 })]);
    expect(repaired['incomplete']).toEqual([expect.objectContaining({ id: snapshot, missingChunks: 1 })]);
    expect((await errorKinds(repo, true)).kinds).toEqual(['snapshot-incomplete']);
    await expectHealedByCapture(repo, String(snapshot));
  });

  it('a pack cut short: its trailer is gone; repair keeps every blob before the cut', async () => {
    const repo = await fresh('truncated');
    const [snapshot] = await snapshotIds(repo);
    const id = (await packIds(repo))[2] as string;
    const entries = (await readPackTrailer(repo, id)).sort((a, b) => a.location.offsetBytes - b.location.offsetBytes);
    const cut = entries[Math.floor(entries.length / 2)]!.location.offsetBytes + 100;
    await truncate(packFile(repo, id), cut);
    const found = await errorKinds(repo);
    expect(found.exitCode).toBe(1);
    expect(found.kinds).toEqual(['pack-damaged', 'snapshot-incomplete']);
    expect(found.messages.join('\n')).toContain('lifeboat repair');
    const repaired = await repair(repo);
    const rebuilt = repaired['rebuilt'] as Array<{ id: string; keptChunks: number }>;
    expect(rebuilt.map((r) => [r.id, r.keptChunks])).toEqual([[id, Math.floor(entries.length / 2)]]);
    expect(await packIds(repo)).not.toContain(id);
    const after = await errorKinds(repo, true);
    expect(after.kinds).toEqual(['snapshot-incomplete']);
    expect(after.messages[0]).toContain(`${entries.length - Math.floor(entries.length / 2)} of its chunks are in no pack`);
    await expectHealedByCapture(repo, String(snapshot));
  });

  it('an index entry pointing at a pack that is gone; repair drops it and names the incomplete snapshot', async () => {
    const repo = await fresh('pack-gone');
    const [snapshot] = await snapshotIds(repo);
    const id = (await packIds(repo))[0] as string;
    const lost = (await readPackTrailer(repo, id)).length;
    await rm(packFile(repo, id));
    const found = await errorKinds(repo);
    expect(found.kinds).toEqual(['index-pack-missing', 'snapshot-incomplete']);
    expect(found.messages[0]).toContain(`${lost} chunk(s) in pack ${id}`);
    const repaired = await repair(repo);
    expect(repaired['chunksDropped']).toBe(lost);
    expect(repaired['incomplete']).toEqual([expect.objectContaining({ id: snapshot, missingChunks: lost })]);
    expect((await errorKinds(repo)).kinds).toEqual(['snapshot-incomplete']);
    await expectHealedByCapture(repo, String(snapshot));
  });

  it('a damaged index, a missing index and an index entry at the wrong offset: repair makes check pass again', async () => {
    const damaged = await fresh('index-damaged');
    const bytes = await readFile(path.join(damaged, 'index'));
    flip(bytes, 100, 0xff);
    await writeFile(path.join(damaged, 'index'), bytes);
    expect((await errorKinds(damaged)).kinds).toEqual(['index-damaged', 'snapshot-incomplete']);

    const missing = await fresh('index-missing');
    await rm(path.join(missing, 'index'));
    const gone = await errorKinds(missing);
    expect(gone.kinds).toEqual(['snapshot-incomplete']);
    expect(gone.messages[0]).toContain('only in packs the index does not list');
    expect(gone.messages[0]).toContain('lifeboat repair');

    const wrong = await fresh('index-wrong');
    const repository = await Repository.open(wrong);
    const index = await repository.loadIndex();
    const moved = ChunkIndex.empty();
    let first = true;
    for (const { digest, location } of index.entries()) {
      moved.add(Buffer.from(digest), first ? { ...location, offsetBytes: location.offsetBytes + 1 } : location);
      first = false;
    }
    await repository.writeIndex(moved);
    expect((await errorKinds(wrong)).kinds).toEqual(['index-entry-wrong', 'snapshot-incomplete']);

    for (const repo of [damaged, missing, wrong]) {
      await repair(repo);
      expect(await expectCheckPasses(repo, true, `${repo} after repair`)).toEqual([]);
    }
  });

  it('a manifest referencing a chunk no pack holds: named with the way out (forget); forget then leaves a passing repository', async () => {
    const repo = await fresh('manifest-missing-chunk');
    const repository = await Repository.open(repo);
    const [file] = await repository.snapshotFiles();
    const content = parseManifest(await readFile(String(file)), String(file));
    const digests = Buffer.from(content.digests);
    let at = 0;
    while (isZeroDigest(digests.subarray(at, at + DIGEST_BYTES))) at += DIGEST_BYTES;
    randomBytes(DIGEST_BYTES).copy(digests, at);
    const { bytes, id } = serializeManifest({ ...content, digests });
    await rm(String(file));
    await writeFile(String(file).replace(/[0-9a-f]{16}\.snapshot$/, `${id}.snapshot`), bytes);
    const found = await errorKinds(repo);
    expect(found.kinds).toEqual(['snapshot-incomplete']);
    expect(found.messages[0]).toContain(`Snapshot ${id}`);
    expect(found.messages[0]).toContain('1 of its chunks are in no pack');
    expect(found.messages[0]).toContain(`lifeboat forget --repo ${repo} --snapshot ${id}`);
    expect((await lifeboat('forget', '--repo', repo, '--snapshot', id)).exitCode).toBe(0);
    expect(await expectCheckPasses(repo, false, 'after forget')).toEqual(['info:unreferenced']);
  });

  it('a damaged manifest: named, and forget removes it by its id even though it cannot be read', async () => {
    const repo = await fresh('manifest-damaged');
    const [file] = await (await Repository.open(repo)).snapshotFiles();
    const bytes = await readFile(String(file));
    flip(bytes, 40, 0x10);
    await writeFile(String(file), bytes);
    const found = await errorKinds(repo);
    expect(found.kinds).toEqual(['manifest-damaged']);
    const id = /-([0-9a-f]{16})\.snapshot$/.exec(String(file))?.[1] as string;
    expect(found.messages[0]).toContain(`lifeboat forget --repo ${repo} --snapshot ${id}`);
    const refused = await lifeboat('prune', '--repo', repo);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('a snapshot manifest is damaged');
    expect(refused.stderr).toContain('nothing was deleted');
    const forgot = await lifeboat('forget', '--repo', repo, '--snapshot', id.slice(0, 6));
    expect(forgot.exitCode, forgot.stderr).toBe(0);
    expect(forgot.stdout).toContain('its manifest was damaged');
    expect(await readdir(path.join(repo, 'snapshots'))).toEqual([]);
    // Now that no manifest is unreadable, prune frees everything.
    const pruned = await lifeboat('prune', '--repo', repo, '--json');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(await readdir(path.join(repo, 'packs'))).toEqual([]);
    expect(await expectCheckPasses(repo, true, 'after prune')).toEqual([]);
  });
});

/**
 * A FIFO opened the blocking way would hang check forever; a hang can only be told from slowness by
 * a deadline, so it is one no healthy run comes near on any machine (a check here takes about a second).
 */
const HANG_MS = 120_000;

describe('hostile repositories get a clear answer, never a hang', { timeout: 5 * HANG_MS }, () => {
  const CLI = path.resolve(import.meta.dirname, '../../../build/recovery/cli/main.js');
  async function checkWithin(repo: string): Promise<{ exitCode: number; findings: Array<{ severity: string; kind: string; message: string }> }> {
    const run = await execa(process.execPath, [CLI, 'check', '--repo', repo, '--json', '--read-data'], { reject: false, timeout: HANG_MS });
    expect(run.timedOut, `check did not finish within ${HANG_MS / 1000} s on ${repo}: it hangs`).toBe(false);
    const doc = JSON.parse(run.stdout) as { findings: Array<{ severity: string; kind: string; message: string }> };
    return { exitCode: run.exitCode ?? -1, findings: doc.findings };
  }
  const kinds = (findings: Array<{ severity: string; kind: string }>, severity: string) =>
    [...new Set(findings.filter((f) => f.severity === severity).map((f) => f.kind))].sort();

  it('a repository.json that is null, or a FIFO', async () => {
    const nulled = await fresh('config-null');
    await writeFile(path.join(nulled, 'repository.json'), 'null');
    const first = await checkWithin(nulled);
    expect(first.exitCode).toBe(1);
    expect(first.findings).toEqual([
      expect.objectContaining({ severity: 'error', kind: 'repository', message: expect.stringContaining('is not a Lifeboat repository') }),
    ]);
    const fifo = await fresh('config-fifo');
    await rm(path.join(fifo, 'repository.json'));
    await execa('mkfifo', [path.join(fifo, 'repository.json')]);
    const second = await checkWithin(fifo);
    expect(second.findings).toEqual([expect.objectContaining({ kind: 'repository', message: expect.stringContaining('not a regular file') })]);
  });

  it('FIFOs where the index, a pack, the lock and a tmp/ file belong; repair replaces the index', async () => {
    const repo = await fresh('fifos');
    const pack = (await packIds(repo))[0] as string;
    for (const file of ['index', 'lock', packFile(repo, pack).slice(repo.length + 1)]) {
      await rm(path.join(repo, file), { force: true });
      await execa('mkfifo', [path.join(repo, file)]);
    }
    await execa('mkdir', ['-p', path.join(repo, 'tmp')]);
    await execa('mkfifo', [path.join(repo, 'tmp', `${pack}.pack.0123456789ab`)]);
    const found = await checkWithin(repo);
    expect(found.exitCode).toBe(1);
    expect(kinds(found.findings, 'error')).toEqual(['index-damaged', 'snapshot-incomplete']);
    expect(kinds(found.findings, 'warning')).toEqual(['layout', 'lock']);
    expect(found.findings.find((f) => f.kind === 'layout')?.message).toContain(`${pack}.pack is not a pack file`);
    const repaired = await execa(process.execPath, [CLI, 'repair', '--repo', repo], { reject: false, timeout: HANG_MS });
    expect(repaired.timedOut, `repair did not finish within ${HANG_MS / 1000} s on ${repo}: it hangs`).toBe(false);
    expect(repaired.exitCode, repaired.stderr).toBe(0);
    const after = await checkWithin(repo);
    // The pack that became a FIFO is lost: the snapshot needs its chunks; nothing else is wrong.
    expect(kinds(after.findings, 'error')).toEqual(['snapshot-incomplete']);
    expect(kinds(after.findings, 'warning')).toEqual(['layout']);
  });

  it('counts that claim far more than the file holds, and files far bigger than their kind can be', async () => {
    const repo = await fresh('huge-claims');
    const pack = (await packIds(repo))[0] as string;
    const packBytes = await readFile(packFile(repo, pack));
    packBytes.writeUInt32LE(0xffff_ffff, packBytes.length - 48);
    await writeFile(packFile(repo, pack), packBytes);
    const [manifest] = await (await Repository.open(repo)).snapshotFiles();
    await truncate(String(manifest), 300 * MiB);
    const found = await checkWithin(repo);
    expect(found.exitCode).toBe(1);
    expect(found.findings.find((f) => f.kind === 'pack-damaged')?.message).toContain('claims 4294967295 chunks');
    expect(found.findings.find((f) => f.kind === 'manifest-damaged')?.message).toContain('more than a manifest can be');

    const index = await fresh('huge-index');
    const indexBytes = await readFile(path.join(index, 'index'));
    indexBytes.writeBigUInt64LE(2n ** 60n, 16);
    await writeFile(path.join(index, 'index'), indexBytes);
    expect((await checkWithin(index)).findings.find((f) => f.kind === 'index-damaged')?.message).toContain('damaged');
    await truncate(path.join(index, 'index'), 3 * 1024 * MiB);
    expect((await checkWithin(index)).findings.find((f) => f.kind === 'index-damaged')?.message).toContain('more than an index can be');
  });

  it('strays: unknown files, a pack folder that links to itself, a misnamed snapshot: warnings, exit 0', async () => {
    const repo = await fresh('strays');
    await writeFile(path.join(repo, 'notes.txt'), 'mine');
    await execa('ln', ['-s', '.', path.join(repo, 'packs', 'zz')]);
    await writeFile(path.join(repo, 'snapshots', 'copy-of-snapshot.snapshot'), 'x');
    const found = await checkWithin(repo);
    expect(found.exitCode).toBe(0);
    expect(found.findings.filter((f) => f.kind === 'layout').map((f) => path.basename(f.message.split(' ')[0] as string))).toEqual([
      'notes.txt',
      'zz',
      'copy-of-snapshot.snapshot',
    ]);
  });
});
