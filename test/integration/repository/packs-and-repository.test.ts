import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crc32c } from '../../../recovery/core/checksums.js';
import { LifeboatError } from '../../../recovery/core/errors.js';
import type { ChunkLocation } from '../../../recovery/repository/chunk-index.js';
import { BLOB_HEADER_BYTES, PACK_FOOTER_BYTES, TRAILER_ENTRY_BYTES } from '../../../recovery/repository/format-constants.js';
import { PackReader, readPackTrailer } from '../../../recovery/repository/pack-reader.js';
import { PackWriter, packPath, type StoredChunk } from '../../../recovery/repository/pack-writer.js';
import { lockRepository } from '../../../recovery/repository/repository-lock.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { serializeManifest } from '../../../recovery/repository/snapshot-manifest.js';
import { SNAPSHOT_SCHEMA, type SnapshotContent } from '../../../recovery/repository/snapshot-types.js';

const KIB = 1024;
const CHUNK_BYTES = 64 * KIB;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-repo-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function randomChunk(sizeBytes: number): StoredChunk {
  const stored = randomBytes(sizeBytes);
  return { digest: createHash('sha256').update(stored).digest(), codec: 0, stored, plainBytes: sizeBytes, crc32c: crc32c(stored) };
}

/** Five 100 KiB chunks into packs of at most 300 KiB: two chunks fit a pack, so three packs (2, 2, 1). */
async function writeFiveChunks(repoDir = dir): Promise<{ writer: PackWriter; stored: Array<{ chunk: StoredChunk; location: ChunkLocation }> }> {
  const writer = new PackWriter(repoDir, 300 * KIB);
  const stored = [];
  for (let i = 0; i < 5; i++) {
    const chunk = randomChunk(100 * KIB);
    stored.push({ chunk, location: await writer.append(chunk) });
  }
  await writer.finish();
  return { writer, stored };
}

async function refusal(promise: Promise<unknown>): Promise<LifeboatError> {
  const error: unknown = await promise.then(
    () => new Error('it succeeded, but it should have been refused'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LifeboatError);
  return error as LifeboatError;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] as number) ^ 0x40;
  await writeFile(file, bytes);
}

describe('packs hold chunks durably and refuse damage', () => {
  it('seals a pack at the size limit, and each trailer lists its chunks where they were written', async () => {
    const { writer, stored } = await writeFiveChunks();
    expect(writer.sealed).toHaveLength(3);
    const listed = new Map<string, ChunkLocation>();
    for (const id of writer.sealed) {
      expect((await stat(packPath(dir, id))).size).toBeLessThanOrEqual(300 * KIB);
      for (const entry of await readPackTrailer(dir, id)) listed.set(entry.digest.toString('hex'), entry.location);
    }
    expect(listed.size).toBe(5);
    for (const { chunk, location } of stored) expect(listed.get(Buffer.from(chunk.digest).toString('hex'))).toEqual(location);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('reads back the stored bytes of every chunk', async () => {
    const { stored } = await writeFiveChunks();
    const reader = new PackReader(dir);
    try {
      for (const { chunk, location } of stored) expect((await reader.readStored(chunk.digest, location)).equals(chunk.stored)).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('refuses a chunk with a flipped byte (CRC-32C), a header naming another chunk, and a missing pack', async () => {
    const { stored } = await writeFiveChunks();
    const [first, second] = stored as [(typeof stored)[0], (typeof stored)[0]];
    const file = packPath(dir, first.location.packId);
    await flipByte(file, first.location.offsetBytes + BLOB_HEADER_BYTES + 50 * KIB);
    await flipByte(file, second.location.offsetBytes + 3);
    const reader = new PackReader(dir);
    try {
      const flipped = await refusal(reader.readStored(first.chunk.digest, first.location));
      expect(flipped.code).toBe('CORRUPT_IMAGE');
      expect(flipped.message).toContain(file);
      expect(flipped.message).toContain('CRC-32C');
      const renamed = await refusal(reader.readStored(second.chunk.digest, second.location));
      expect(renamed.code).toBe('CORRUPT_IMAGE');
      expect(renamed.message).toContain('its header names another chunk');
      const gone = { ...first.location, packId: 'ab'.repeat(16) };
      const missing = await refusal(reader.readStored(first.chunk.digest, gone));
      expect(missing.code).toBe('CHUNK_MISSING');
      expect(missing.message).toContain(packPath(dir, gone.packId));
    } finally {
      await reader.close();
    }
  });

  it('refuses a pack cut short anywhere with CORRUPT_IMAGE instead of hanging or crashing', async () => {
    const { writer, stored } = await writeFiveChunks();
    const id = writer.sealed[0] as string;
    const file = packPath(dir, id);
    const whole = await readFile(file);
    const trailerStart = whole.length - PACK_FOOTER_BYTES - 2 * TRAILER_ENTRY_BYTES;
    for (const cut of [0, 8, 31, 32, 79, 80, 40 * KIB, 150 * KIB, trailerStart, whole.length - PACK_FOOTER_BYTES, whole.length - 8, whole.length - 1]) {
      await writeFile(file, whole.subarray(0, cut));
      const error = await refusal(readPackTrailer(dir, id));
      expect(error.code, `cut at ${cut}`).toBe('CORRUPT_IMAGE');
      expect(error.message).toContain(file);
    }
    // A reader following the index into a cut pack must stop at the cut, not return short bytes.
    await writeFile(file, whole.subarray(0, 150 * KIB));
    const reader = new PackReader(dir);
    const second = stored[1] as (typeof stored)[0];
    const error = await refusal(reader.readStored(second.chunk.digest, second.location)).finally(() => reader.close());
    expect(error.code).toBe('CORRUPT_IMAGE');
    expect(error.message).toContain('the pack ends inside it');
  });

  it('refuses a trailer claiming 2^32-1 chunks without allocating for them', async () => {
    const { writer } = await writeFiveChunks();
    const id = writer.sealed[0] as string;
    const file = packPath(dir, id);
    const bytes = await readFile(file);
    bytes.writeUInt32LE(0xffff_ffff, bytes.length - PACK_FOOTER_BYTES);
    await writeFile(file, bytes);
    const alloc = vi.spyOn(Buffer, 'alloc');
    const error = await refusal(readPackTrailer(dir, id));
    expect(error.code).toBe('CORRUPT_IMAGE');
    expect(error.message).toContain('claims 4294967295 chunks');
    for (const [sizeBytes] of alloc.mock.calls) expect(sizeBytes).toBeLessThanOrEqual(PACK_FOOTER_BYTES);
  });
});

describe('a repository directory', () => {
  it('is created with a repository.json that a later open reads back', async () => {
    const repoDir = path.join(dir, 'new', 'repo');
    const made = await Repository.openOrCreate(repoDir, CHUNK_BYTES);
    expect(made.created).toBe(true);
    const config = JSON.parse(await readFile(path.join(repoDir, 'repository.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ format: 'lifeboat-repository', version: 1, chunkSizeBytes: CHUNK_BYTES });
    expect(config['id']).toMatch(/^[0-9a-f]{32}$/);
    const again = await Repository.openOrCreate(repoDir);
    expect(again.created).toBe(false);
    expect(again.repository.config).toEqual(config);
  });

  it('refuses to open an empty directory or one holding other files, and will not create a repository among other files', async () => {
    const empty = await refusal(Repository.open(dir));
    expect(empty.code).toBe('NOT_A_REPOSITORY');
    expect(empty.message).toContain('has no repository.json');
    await writeFile(path.join(dir, 'holiday.jpg'), 'not a repository');
    expect((await refusal(Repository.open(dir))).code).toBe('NOT_A_REPOSITORY');
    const create = await refusal(Repository.openOrCreate(dir));
    expect(create.code).toBe('NOT_A_REPOSITORY');
    expect(create.message).toContain('already holds other files');
  });

  it('refuses a repository.json from a newer Lifeboat, and one that is JSON but not a record', async () => {
    await writeFile(
      path.join(dir, 'repository.json'),
      JSON.stringify({ format: 'lifeboat-repository', version: 99, id: 'ab'.repeat(16), createdAt: '2026-01-01T00:00:00.000Z', chunkSizeBytes: CHUNK_BYTES }),
    );
    const newer = await refusal(Repository.open(dir));
    expect(newer.code).toBe('UNSUPPORTED_FORMAT');
    expect(newer.message).toContain('version 99');
    await writeFile(path.join(dir, 'repository.json'), 'null');
    expect((await refusal(Repository.open(dir))).code).toBe('NOT_A_REPOSITORY');
  });

  it('adopts the chunks of sealed packs the index does not list, skips a damaged pack with a sentence, and ignores tmp/', async () => {
    const { repository } = await Repository.openOrCreate(dir, CHUNK_BYTES);
    const { writer, stored } = await writeFiveChunks();
    const damaged = packPath(dir, writer.sealed[2] as string);
    await flipByte(damaged, (await stat(damaged)).size - PACK_FOOTER_BYTES - 10);
    // A capture that died mid-pack leaves its file in tmp/: garbage that must not be adopted.
    const crashed = new PackWriter(dir, 300 * KIB);
    const lost = randomChunk(10 * KIB);
    await crashed.append(lost);
    await writeFile(path.join(dir, 'tmp', 'leftover.pack'), randomBytes(4 * KIB));
    const index = await repository.loadIndex();
    const adopted = await repository.adoptUnindexedPacks(index);
    expect(adopted).toMatchObject({ packs: 2, chunks: 4 });
    expect(adopted.skipped).toHaveLength(1);
    expect(adopted.skipped[0]).toContain(damaged);
    expect(adopted.skipped[0]).toContain('damaged');
    for (const { chunk, location } of stored.slice(0, 4)) expect(index.find(chunk.digest)).toEqual(location);
    expect(index.find((stored[4] as (typeof stored)[0]).chunk.digest)).toBeNull();
    expect(index.find(lost.digest)).toBeNull();
    await repository.writeIndex(index);
    const reloaded = await repository.loadIndex();
    expect(reloaded.size).toBe(4);
    expect((await repository.adoptUnindexedPacks(reloaded)).packs).toBe(0);
    await crashed.abandon();
  });
});

/** A whole-disk snapshot of a 1 MiB image without a partition table; `note` makes each one's id differ. */
function sampleSnapshot(note: string, createdAt: string): SnapshotContent {
  const sizeBytes = 1024 * KIB;
  return {
    description: {
      schema: SNAPSHOT_SCHEMA,
      tool: 'lifeboat 0.1.0',
      createdAt,
      finishedAt: createdAt,
      note,
      scope: 'disk',
      chunkSizeBytes: CHUNK_BYTES,
      source: { path: '/images/blank.img', kind: 'image-file', model: null, serial: null, sizeBytes, logicalSectorSize: 512, physicalSectorSize: 512 },
      table: {
        scheme: 'none',
        sectorSizeBytes: 512,
        diskSizeBytes: sizeBytes,
        diskSectors: sizeBytes / 512,
        mbr: null,
        gpt: null,
        partitions: [],
        metadataAreas: [],
        gaps: [],
        warnings: [],
      },
      metadataAreas: [],
      extents: [
        {
          kind: 'disk',
          number: null,
          startBytes: 0,
          sizeBytes,
          partition: null,
          filesystem: null,
          coverage: 'whole',
          reason: 'no partition table',
          usedBytes: sizeBytes,
          rangeStart: 0,
          rangeCount: 1,
          chunkStart: 0,
          chunkCount: 16,
          storedChunks: 0,
        },
      ],
      totals: { usedBytes: sizeBytes, chunks: 16, newChunks: 0, newStoredBytes: 0 },
    },
    metadataBytes: Buffer.alloc(0),
    ranges: new Float64Array([0, sizeBytes / 512]),
    digests: Buffer.alloc(16 * 32),
  };
}

/** Two snapshots whose ids share their first 4 hex digits: a birthday search needs a few hundred tries. */
function twoWithSharedPrefix(): [SnapshotContent, SnapshotContent, string] {
  const seen = new Map<string, SnapshotContent>();
  for (let i = 0; ; i++) {
    const content = sampleSnapshot(`try ${i}`, '2026-11-22T08:00:00.000Z');
    const prefix = serializeManifest(content).id.slice(0, 4);
    const earlier = seen.get(prefix);
    if (earlier) return [earlier, content, prefix];
    seen.set(prefix, content);
  }
}

describe('finding snapshots', () => {
  it('finds the latest, a unique prefix, and refuses ambiguous, unknown and malformed ids', async () => {
    const { repository } = await Repository.openOrCreate(dir, CHUNK_BYTES);
    expect((await refusal(repository.findSnapshot('latest'))).code).toBe('SNAPSHOT_NOT_FOUND');
    const first = await repository.writeSnapshot(sampleSnapshot('first', '2026-11-21T10:30:00.000Z'));
    const [a, b, shared] = twoWithSharedPrefix();
    await repository.writeSnapshot(a);
    await repository.writeSnapshot(b);
    const newest = await repository.writeSnapshot(sampleSnapshot('newest', '2026-11-23T09:00:00.000Z'));
    expect(path.basename(newest.file)).toBe(`20261123T090000Z-${newest.id}.snapshot`);
    expect((await repository.findSnapshot('latest')).id).toBe(newest.id);
    expect((await repository.findSnapshot(first.id.slice(0, 6).toUpperCase())).id).toBe(first.id);
    expect((await repository.findSnapshot(first.id)).description).toEqual(first.description);
    const ambiguous = await refusal(repository.findSnapshot(shared));
    expect(ambiguous.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(ambiguous.message).toContain('give more digits');
    const ids = [first.id, newest.id, serializeManifest(a).id, serializeManifest(b).id];
    const unknownId = ['0000', '1111', 'ffff', 'abcd'].find((candidate) => !ids.some((id) => id.startsWith(candidate))) as string;
    const unknown = await refusal(repository.findSnapshot(unknownId));
    expect(unknown.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(unknown.message).toContain(unknownId);
    for (const bad of ['zzzz', '../etc', 'ab', '0123456789abcdef0']) expect((await refusal(repository.findSnapshot(bad))).code, bad).toBe('USAGE');
  });

  it('lists a damaged manifest as a sentence beside the readable snapshots', async () => {
    const { repository } = await Repository.openOrCreate(dir, CHUNK_BYTES);
    const kept = await repository.writeSnapshot(sampleSnapshot('kept', '2026-11-21T10:30:00.000Z'));
    const broken = await repository.writeSnapshot(sampleSnapshot('broken', '2026-11-21T11:30:00.000Z'));
    await flipByte(broken.file, 200);
    const { snapshots, damaged } = await repository.listSnapshots();
    expect(snapshots.map((s) => s.id)).toEqual([kept.id]);
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toContain(broken.file);
    expect(damaged[0]).toContain('damaged');
    expect((await refusal(repository.findSnapshot(broken.id))).code).toBe('CORRUPT_IMAGE');
  });
});

describe('the repository lock', () => {
  it('lets one writer in, names it to the second, and is gone after release', async () => {
    const lock = await lockRepository(dir, 'capture /dev/sdz');
    expect(lock.takenOver).toBeNull();
    const second = await refusal(lockRepository(dir, 'capture /dev/sdy'));
    expect(second.code).toBe('REPOSITORY_LOCKED');
    expect(second.message).toContain(`pid ${process.pid}`);
    expect(second.message).toContain('capture /dev/sdz');
    await lock.release();
    expect(await readdir(dir)).not.toContain('lock');
  });

  it('takes over a lock left by a process that no longer runs on this host, with a warning', async () => {
    // Linux pids are below pid_max, so pid_max itself never runs.
    const deadPid = Number(await readFile('/proc/sys/kernel/pid_max', 'utf8'));
    await writeFile(
      path.join(dir, 'lock'),
      JSON.stringify({ pid: deadPid, host: os.hostname(), startedAt: '2026-11-21T10:30:00.000Z', command: 'capture /dev/sdx' }),
    );
    const lock = await lockRepository(dir, 'capture /dev/sdz');
    expect(lock.takenOver).toContain(`stale lock left by pid ${deadPid}`);
    expect(lock.takenOver).toContain('capture /dev/sdx');
    expect(JSON.parse(await readFile(path.join(dir, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid, command: 'capture /dev/sdz' });
    await lock.release();
    expect(await readdir(dir)).not.toContain('lock');
  });

  it('does not take over a lock held from another host', async () => {
    await writeFile(
      path.join(dir, 'lock'),
      JSON.stringify({ pid: 1, host: 'other-machine', startedAt: '2026-11-21T10:30:00.000Z', command: 'capture /dev/sda' }),
    );
    const error = await refusal(lockRepository(dir, 'capture /dev/sdz'));
    expect(error.code).toBe('REPOSITORY_LOCKED');
    expect(error.message).toContain('other-machine');
    expect(error.message).toContain(`delete ${path.join(dir, 'lock')}`);
  });
});
