/**
 * What a killed writer leaves, and how the next one deals with it: unfinished packs in tmp/ are
 * salvaged blob by blob, other tmp/ files removed, stale and torn locks taken over, a repository
 * whose creation was interrupted created again, and a forgotten manifest gone for good.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32c } from '../../../recovery/core/checksums.js';
import { LifeboatError } from '../../../recovery/core/errors.js';
import { checkRepository } from '../../../recovery/pipeline/check-repository.js';
import { recoverInterruptedWrites } from '../../../recovery/pipeline/recover-interrupted.js';
import { forgetSnapshot } from '../../../recovery/repository/forget-snapshot.js';
import { BLOB_HEADER_BYTES, PACK_HEADER_BYTES } from '../../../recovery/repository/format-constants.js';
import { PackReader, readPackTrailer } from '../../../recovery/repository/pack-reader.js';
import { PackWriter, type StoredChunk } from '../../../recovery/repository/pack-writer.js';
import { lockRepository, readLockState } from '../../../recovery/repository/repository-lock.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { listTmpLeftovers, salvageTmpPack } from '../../../recovery/repository/tmp-packs.js';

const KIB = 1024;

function flip(bytes: Buffer, at: number, mask: number): void {
  bytes.writeUInt8(bytes.readUInt8(at) ^ mask, at);
}
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-interrupted-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function chunk(sizeBytes = 40 * KIB): StoredChunk {
  const stored = randomBytes(sizeBytes);
  return { digest: createHash('sha256').update(stored).digest(), codec: 0, stored, plainBytes: sizeBytes, crc32c: crc32c(stored) };
}

/** Five chunks appended and never sealed: the pack a killed capture leaves in tmp/. */
async function unfinishedPack(): Promise<{ chunks: StoredChunk[]; file: string; offsets: number[] }> {
  const writer = new PackWriter(dir);
  const chunks = [1, 2, 3, 4, 5].map(() => chunk());
  const offsets: number[] = [];
  for (const c of chunks) offsets.push((await writer.append(c)).offsetBytes);
  const [leftover] = await listTmpLeftovers(dir);
  const file = leftover?.path as string;
  // A killed writer never closes its file; here the bytes are kept and the handle closed.
  const bytes = await readFile(file);
  await writer.abandon();
  await writeFile(file, bytes);
  return { chunks, file, offsets };
}

/** Accepts every blob whose stored bytes hash to its name (codec 0 here), like the worker's proof. */
const proof = async (blob: { digest: Buffer; stored: Buffer }) =>
  createHash('sha256').update(blob.stored).digest().equals(blob.digest) ? null : 'its SHA-256 does not match';

describe('salvaging an unfinished pack', () => {
  it('seals the blobs before a cut anywhere (inside a header, inside a blob, on a boundary) and drops the rest', async () => {
    const { chunks, file, offsets } = await unfinishedPack();
    const whole = await readFile(file);
    const cases: Array<[string, number, number]> = [
      ['inside the third blob', (offsets[2] as number) + BLOB_HEADER_BYTES + 100, 2],
      ['inside the fourth header', (offsets[3] as number) + 20, 3],
      ['on the boundary after the fourth', offsets[4] as number, 4],
      ['after the last blob', whole.length, 5],
      ['inside the pack header', 20, 0],
    ];
    for (const [name, cut, kept] of cases) {
      await rm(path.join(dir, 'packs'), { recursive: true, force: true });
      await writeFile(file, whole.subarray(0, cut));
      const [leftover] = await listTmpLeftovers(dir);
      const sealed = await salvageTmpPack(dir, leftover!, proof);
      if (kept === 0) {
        expect(sealed, name).toBeNull();
        continue;
      }
      expect(sealed?.chunks, name).toBe(kept);
      const entries = await readPackTrailer(dir, sealed!.packId);
      expect(
        entries.map((e) => e.digest.toString('hex')),
        name,
      ).toEqual(chunks.slice(0, kept).map((c) => Buffer.from(c.digest).toString('hex')));
      const reader = new PackReader(dir);
      for (const [i, entry] of entries.entries()) expect((await reader.readStored(entry.digest, entry.location)).equals(chunks[i]!.stored), name).toBe(true);
      await reader.close();
      expect(await listTmpLeftovers(dir), name).toEqual([]);
      // Put the unfinished pack back for the next cut.
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, whole);
    }
  });

  it('stops at a blob whose bytes fail their CRC-32C or their proof, keeping only what came before', async () => {
    const { file, offsets } = await unfinishedPack();
    const bytes = await readFile(file);
    flip(bytes, (offsets[3] as number) + BLOB_HEADER_BYTES + 7, 0x20);
    await writeFile(file, bytes);
    const [leftover] = await listTmpLeftovers(dir);
    expect((await salvageTmpPack(dir, leftover!, proof))?.chunks).toBe(3);

    const again = await unfinishedPack();
    const [second] = await listTmpLeftovers(dir);
    const refuseThird = async (blob: { offsetBytes: number }) => (blob.offsetBytes === again.offsets[2] ? 'its SHA-256 does not match' : null);
    const sealed = await salvageTmpPack(dir, second!, refuseThird);
    expect(sealed?.chunks).toBe(2);
    expect(sealed?.endedBecause).toContain('SHA-256');
  });

  it('keeps nothing from random bytes behind a valid pack header', async () => {
    const { file } = await unfinishedPack();
    const bytes = await readFile(file);
    randomBytes(bytes.length - PACK_HEADER_BYTES).copy(bytes, PACK_HEADER_BYTES);
    await writeFile(file, bytes);
    const [leftover] = await listTmpLeftovers(dir);
    expect(await salvageTmpPack(dir, leftover!, proof)).toBeNull();
  });

  it('recoverInterruptedWrites: salvages, removes the other leftovers, adopts, and the workers learn the adopted digests', async () => {
    const { repository } = await Repository.openOrCreate(dir, 64 * KIB);
    const { chunks } = await unfinishedPack();
    await writeFile(path.join(dir, 'tmp', 'index.0123456789ab'), randomBytes(100));
    await writeFile(path.join(dir, 'tmp', '20261122T000000Z-0123456789abcdef.snapshot.0123456789ab'), randomBytes(100));
    const index = await repository.loadIndex();
    const report = await recoverInterruptedWrites(repository, index, 1);
    expect(report.salvaged.map((p) => p.chunks)).toEqual([5]);
    expect(report.removedFiles).toBe(2);
    expect(report).toMatchObject({ adoptedPacks: 1, adoptedChunks: 5, skipped: [] });
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    const known = index.knownDigests;
    expect(known.length).toBe(5 * 32);
    for (const c of chunks) expect(index.has(c.digest)).toBe(true);
    const sorted = [0, 1, 2, 3, 4].map((i) => known.subarray(i * 32, i * 32 + 32));
    expect([...sorted].sort(Buffer.compare)).toEqual(sorted);
  });
});

describe('the lock of a writer that was killed', () => {
  const lockFile = () => path.join(dir, 'lock');

  it('is stale when its pid runs but is another program (start time), or the machine restarted (boot id)', async () => {
    const mine = await lockRepository(dir, 'capture /dev/sdz');
    const holder = JSON.parse(await readFile(lockFile(), 'utf8')) as { pid: number; startTicks?: number; bootId?: string };
    expect(holder.pid).toBe(process.pid);
    expect((await readLockState(dir)).kind).toBe('held');
    await mine.release();
    if (holder.startTicks !== undefined) {
      await writeFile(lockFile(), JSON.stringify({ ...holder, startTicks: holder.startTicks + 1 }));
      expect(await readLockState(dir)).toMatchObject({ kind: 'stale', why: expect.stringContaining('now another program') });
    }
    if (holder.bootId !== undefined) {
      await writeFile(lockFile(), JSON.stringify({ ...holder, bootId: '00000000-0000-0000-0000-000000000000' }));
      expect(await readLockState(dir)).toMatchObject({ kind: 'stale', why: expect.stringContaining('restarted') });
      const taken = await lockRepository(dir, 'capture /dev/sdy');
      expect(taken.takenOver).toContain('restarted');
      await taken.release();
    }
  });

  it('an empty lock (killed between creating and filling it) is taken over once it is old, and waited for while young', async () => {
    await writeFile(lockFile(), '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile(), old, old);
    const taken = await lockRepository(dir, 'capture /dev/sdz');
    expect(taken.takenOver).toContain('never finished');
    await taken.release();

    await writeFile(lockFile(), '');
    const createdMs = (await stat(lockFile())).mtimeMs;
    const later = await lockRepository(dir, 'capture /dev/sdz');
    expect(later.takenOver).toContain('never finished');
    // It waited for a writer that might still fill it, until the lock was old. Measured from the
    // lock's own mtime (the age the product judges by), so a slow machine only makes this larger.
    expect(Date.now() - createdMs).toBeGreaterThanOrEqual(1000);
    await later.release();
  });

  it('a live holder keeps the repository: REPOSITORY_LOCKED names it', async () => {
    const mine = await lockRepository(dir, 'prune');
    const error = await lockRepository(dir, 'capture /dev/sdz').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LifeboatError);
    expect((error as LifeboatError).code).toBe('REPOSITORY_LOCKED');
    expect((error as LifeboatError).message).toContain(`pid ${process.pid}`);
    await mine.release();
  });
});

describe('a repository whose first capture was killed while creating it', () => {
  it('is created again when only tmp/ with a temp repository.json is there, and refused when anything else is', async () => {
    const repoDir = path.join(dir, 'repo');
    await mkdir(path.join(repoDir, 'tmp'), { recursive: true });
    await writeFile(path.join(repoDir, 'tmp', 'repository.json.0123456789ab'), '{"format":');
    const { created } = await Repository.openOrCreate(repoDir, 64 * KIB);
    expect(created).toBe(true);
    const other = path.join(dir, 'other');
    await mkdir(path.join(other, 'tmp'), { recursive: true });
    await writeFile(path.join(other, 'tmp', 'photo.jpg'), 'mine');
    const error = await Repository.openOrCreate(other).catch((caught: unknown) => caught);
    expect((error as LifeboatError).code).toBe('NOT_A_REPOSITORY');
  });
});

describe('forget', () => {
  it('removes the manifest file, a damaged one too, and refuses an ambiguous id without touching anything', async () => {
    const { repository } = await Repository.openOrCreate(dir, 64 * KIB);
    await mkdir(path.join(dir, 'snapshots'));
    const names = ['20261121T103000Z-abcd000000000001.snapshot', '20261121T113000Z-abcd000000000002.snapshot', '20261121T123000Z-1234000000000003.snapshot'];
    for (const name of names) await writeFile(path.join(dir, 'snapshots', name), 'not a real manifest');
    const ambiguous = await forgetSnapshot(repository, 'abcd').catch((caught: unknown) => caught);
    expect((ambiguous as LifeboatError).code).toBe('SNAPSHOT_NOT_FOUND');
    expect((ambiguous as LifeboatError).message).toContain('give more digits');
    const result = await forgetSnapshot(repository, 'latest');
    expect(result).toMatchObject({ id: '1234000000000003', snapshot: null, damaged: expect.stringContaining('damaged') });
    expect((await readdir(path.join(dir, 'snapshots'))).sort()).toEqual(names.slice(0, 2));
    await forgetSnapshot(repository, 'abcd000000000002');
    expect(await readdir(path.join(dir, 'snapshots'))).toEqual(names.slice(0, 1));
    expect(await readdir(dir)).not.toContain('lock');
  });
});

describe('check on a directory whose first capture was killed', () => {
  it('warns that no repository exists yet (exit code 0), and still refuses an empty directory', async () => {
    const repoDir = path.join(dir, 'half-created');
    await mkdir(path.join(repoDir, 'tmp'), { recursive: true });
    await writeFile(path.join(repoDir, 'tmp', 'repository.json.0123456789ab'), '');
    const half = await checkRepository({ repoDir, readData: false });
    expect(half.ok).toBe(true);
    expect(half.findings).toEqual([
      expect.objectContaining({ severity: 'warning', kind: 'repository', message: expect.stringContaining('no repository yet') }),
    ]);
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    const refused = await checkRepository({ repoDir: empty, readData: false });
    expect(refused.ok).toBe(false);
    expect(refused.findings[0]?.message).toContain('is not a Lifeboat repository');
  });
});
