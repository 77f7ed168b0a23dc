import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../recovery/core/errors.js';
import type { Disk } from '../../../recovery/disks/disk.js';
import { diskIoError } from '../../../recovery/disks/io-errors.js';
import { usedChunks, type PlannedExtent } from '../../../recovery/pipeline/extents.js';
import { ProgressTracker, type ProgressEvent } from '../../../recovery/pipeline/progress.js';
import { CaptureChunkReader } from '../../../recovery/pipeline/rescue-chunk-reader.js';
import { retrySizes } from '../../../recovery/pipeline/rescue-passes.js';

const SECTOR = 512;
const MiB = 1024 * 1024;
const CHUNK = 256 * 1024;

/**
 * A disk in memory whose reads fail with EIO when they touch a bad sector, as a failing drive
 * does. Its path does not exist, so the exact reader reads through it (no O_DIRECT here).
 */
class FailingMemoryDisk implements Disk {
  readonly path = '/nonexistent/lifeboat-failing-memory-disk';
  readonly kind = 'block-device' as const;
  readonly logicalSectorSize = SECTOR;
  readonly physicalSectorSize = SECTOR;
  readonly writable = false;
  readonly canDiscard = false;
  readonly bytes: Buffer;
  reads = 0;
  /** Reads that fail once and then succeed (a passing fault). */
  readonly flaky = new Set<number>();

  constructor(
    readonly sizeBytes: number,
    private readonly bad: Set<number>,
    private readonly errnoCode = 'EIO',
  ) {
    this.bytes = Buffer.alloc(sizeBytes);
    for (let i = 0; i < sizeBytes; i += 4) this.bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  }

  readAt(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    this.reads++;
    for (let s = offsetBytes / SECTOR; s < (offsetBytes + lengthBytes) / SECTOR; s++) {
      const failOnce = this.flaky.delete(s);
      if (this.bad.has(s) || failOnce) {
        const cause = Object.assign(new Error(`${this.errnoCode}: simulated`), { code: this.errnoCode, errno: -5 });
        return Promise.reject(diskIoError(cause, this.path, 'read', offsetBytes, SECTOR));
      }
    }
    return Promise.resolve(Buffer.from(this.bytes.subarray(offsetBytes, offsetBytes + lengthBytes)));
  }

  writeAt(): Promise<void> {
    return Promise.reject(new Error('read-only'));
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  discard(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Two partitions, 1-3 MiB and 3-5 MiB, with used ranges given in sectors relative to each. */
function extentsOf(used1: number[], used2: number[]): PlannedExtent[] {
  const make = (number: number, startBytes: number, ranges: number[]): PlannedExtent => ({
    kind: 'partition',
    number,
    startBytes,
    sizeBytes: 2 * MiB,
    partition: null,
    filesystem: null,
    coverage: 'filesystem',
    reason: null,
    usedBytes: ranges.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0) * SECTOR,
    ranges: Float64Array.from(ranges),
  });
  return [make(1, 1 * MiB, used1), make(2, 3 * MiB, used2)];
}

let repoDir: string;
beforeEach(async () => {
  repoDir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-rescue-unit-'));
});
afterEach(async () => {
  await rm(repoDir, { recursive: true, force: true });
});

/** Reads every used chunk; returns the chunks read at once and those handed back after the retries. */
async function captureAll(reader: CaptureChunkReader, extents: PlannedExtent[], progress = new ProgressTracker('capture', undefined)) {
  const direct = new Map<string, Uint8Array>();
  for (const [e, extent] of extents.entries()) {
    for (const slice of usedChunks(extent.ranges, extent.sizeBytes, CHUNK, SECTOR)) {
      const data = await reader.read(e, extent, slice);
      if (data) direct.set(`${e}:${slice.index}`, data);
    }
  }
  const released = new Map<string, Uint8Array>();
  for await (const chunk of reader.retryAndRelease(progress)) released.set(`${chunk.extent}:${chunk.slice.index}`, chunk.data);
  return { direct, released };
}

describe('a capture without --rescue', () => {
  it('stops at the first unreadable sector, found exactly inside a 256 KiB read, naming byte, sector and partition', async () => {
    // Partition 2 starts at sector 6144; its used range covers sectors 6144+100 .. +400.
    const disk = new FailingMemoryDisk(8 * MiB, new Set([6144 + 333, 6144 + 350]));
    const extents = extentsOf([0, 64], [100, 300]);
    const reader = await CaptureChunkReader.open(disk, null);
    const thrown = await captureAll(reader, extents).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(LifeboatError);
    const error = thrown as LifeboatError;
    expect(error.code).toBe('UNREADABLE_SECTOR');
    expect(error.details).toMatchObject({ sector: 6477, partition: 2, offsetBytes: 6477 * SECTOR, device: disk.path });
    expect(error.message).toBe(
      `Reading ${disk.path} failed at byte ${6477 * SECTOR} (sector 6477, partition 2): input/output error. The disk may be failing; run the capture again with --rescue to copy everything readable, fill the unreadable sectors with zeros and list them.`,
    );
    // The first chunk of partition 1, one span read, then halving 300 sectors: far fewer reads than sectors.
    expect(disk.reads).toBeLessThan(15);
    await reader.close();
  });

  it('goes on when the sector reads on a second, exact try (a passing fault)', async () => {
    const disk = new FailingMemoryDisk(8 * MiB, new Set());
    disk.flaky.add(2048 + 10);
    const reader = await CaptureChunkReader.open(disk, null);
    const { direct } = await captureAll(reader, extentsOf([0, 64], []));
    expect(
      Buffer.from(direct.get('0:0') ?? [])
        .subarray(0, 64 * SECTOR)
        .equals(disk.bytes.subarray(MiB, MiB + 64 * SECTOR)),
    ).toBe(true);
    await reader.close();
  });

  it('does not treat a vanished device as bad sectors', async () => {
    const disk = new FailingMemoryDisk(8 * MiB, new Set([2048 + 5]), 'ENXIO');
    const reader = await CaptureChunkReader.open(disk, { repoDir, chunkBytes: CHUNK });
    const error = (await captureAll(reader, extentsOf([0, 64], [])).catch((e: unknown) => e)) as LifeboatError;
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    await reader.close();
  });
});

describe('a capture with --rescue', () => {
  it('reads everything readable and ends with exactly the unreadable sectors, as zeros in their chunks', async () => {
    // Partition 1: a run crossing the chunk boundary at sector 512 (relative), a lone sector, and
    // two bad sectors at the very end of partition 1 and the start of partition 2 that touch on
    // disk but belong to different extents.
    const bad = [2048 + 510, 2048 + 511, 2048 + 512, 2048 + 700, 2048 + 4095, 6144];
    const disk = new FailingMemoryDisk(8 * MiB, new Set(bad));
    const extents = extentsOf([0, 1000, 4000, 96], [0, 200]);
    const reader = await CaptureChunkReader.open(disk, { repoDir, chunkBytes: CHUNK });
    const events: ProgressEvent[] = [];
    const { direct, released } = await captureAll(reader, extents, new ProgressTracker('capture', (event) => events.push(event)));
    const outcome = reader.outcome();
    expect(outcome.badRanges).toEqual(Float64Array.from([2558, 3, 2748, 1, 6143, 1, 6144, 1]));
    expect([...released.keys()].sort()).toEqual(['0:0', '0:1', '0:7', '1:0']);
    expect([...direct.keys()]).not.toContain('0:0');

    // Every used byte is the disk's, except the bad sectors, which are zeros.
    for (const [key, data] of [...direct, ...released]) {
      const [e, index] = key.split(':').map(Number) as [number, number];
      const extent = extents[e] as PlannedExtent;
      for (let r = 0; r < extent.ranges.length; r += 2) {
        for (let s = extent.ranges[r] ?? 0; s < (extent.ranges[r] ?? 0) + (extent.ranges[r + 1] ?? 0); s++) {
          const inChunk = s * SECTOR - index * CHUNK;
          if (inChunk < 0 || inChunk >= CHUNK) continue;
          const diskSector = extent.startBytes / SECTOR + s;
          const got = Buffer.from(data.subarray(inChunk, inChunk + SECTOR));
          const want = bad.includes(diskSector) ? Buffer.alloc(SECTOR) : disk.bytes.subarray(diskSector * SECTOR, (diskSector + 1) * SECTOR);
          expect(got.equals(want), `sector ${diskSector}`).toBe(true);
        }
      }
    }

    // One pass per read size after the data pass; the last pass reads single sectors and fails exactly on the bad ones.
    expect(outcome.passes.map((p) => p.readSizeBytes)).toEqual([CHUNK, ...retrySizes(SECTOR)]);
    expect(outcome.passes.at(-1)?.failedReads).toBe(bad.length);
    expect(outcome.passes.reduce((sum, p) => sum + p.reads, 0)).toBeLessThan(200);
    expect(events.some((e) => e.phase === 'rescue' && e.item?.label === 'pass 5: retry with 512 B reads')).toBe(true);
    await reader.close();
    expect(await readdir(path.join(repoDir, 'tmp'))).toEqual([]);
  });

  it('has no retry pass and parks nothing when every sector reads', async () => {
    const disk = new FailingMemoryDisk(8 * MiB, new Set());
    const reader = await CaptureChunkReader.open(disk, { repoDir, chunkBytes: CHUNK });
    const { released } = await captureAll(reader, extentsOf([0, 1000], [0, 10]));
    expect(released.size).toBe(0);
    expect(reader.outcome().badRanges).toEqual(new Float64Array(0));
    expect(reader.outcome().passes).toHaveLength(1);
    await reader.close();
  });

  it('stops with CANCELLED when cancelled during the retry passes', async () => {
    const disk = new FailingMemoryDisk(8 * MiB, new Set([2048 + 5]));
    const reader = await CaptureChunkReader.open(disk, { repoDir, chunkBytes: CHUNK });
    const extents = extentsOf([0, 64], []);
    for (const slice of usedChunks((extents[0] as PlannedExtent).ranges, 2 * MiB, CHUNK, SECTOR)) await reader.read(0, extents[0] as PlannedExtent, slice);
    const controller = new AbortController();
    controller.abort();
    const error = await (async () => {
      for await (const _ of reader.retryAndRelease(new ProgressTracker('capture', undefined), controller.signal)) void _;
    })().catch((e: unknown) => e);
    expect((error as LifeboatError).code).toBe('CANCELLED');
    await reader.close();
  });
});
