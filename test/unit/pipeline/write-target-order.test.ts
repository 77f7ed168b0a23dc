import { describe, expect, it } from 'vitest';
import type { Disk } from '../../../recovery/disks/disk.js';
import { discardSpans } from '../../../recovery/pipeline/discard-free.js';
import { guardZones, piecesOutside, subtractSpans } from '../../../recovery/pipeline/guard-zones.js';
import { ProgressTracker } from '../../../recovery/pipeline/progress.js';
import { decodeJournal, JournalWriter, type RestoreJournal } from '../../../recovery/pipeline/restore-journal.js';
import { writeTarget, type Checkpoints, type TargetExtent } from '../../../recovery/pipeline/write-target.js';

const MiB = 1024 * 1024;
const S = 512;

type Event = { kind: 'write'; offsetBytes: number; lengthBytes: number } | { kind: 'flush' } | { kind: 'discard'; offsetBytes: number; lengthBytes: number };

/** A disk in memory that records every write, flush and discard in order. */
class RecordingDisk implements Disk {
  readonly path = '/memory/target';
  readonly kind = 'image-file' as const;
  readonly logicalSectorSize = S;
  readonly physicalSectorSize = S;
  readonly writable = true;
  readonly canDiscard = true;
  readonly bytes: Uint8Array;
  readonly events: Event[] = [];

  constructor(readonly sizeBytes: number) {
    this.bytes = new Uint8Array(sizeBytes).fill(0xee);
  }
  readAt(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.bytes.subarray(offsetBytes, offsetBytes + lengthBytes)));
  }
  writeAt(offsetBytes: number, data: Uint8Array): Promise<void> {
    this.events.push({ kind: 'write', offsetBytes, lengthBytes: data.length });
    this.bytes.set(data, offsetBytes);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    this.events.push({ kind: 'flush' });
    return Promise.resolve();
  }
  discard(offsetBytes: number, lengthBytes: number): Promise<void> {
    this.events.push({ kind: 'discard', offsetBytes, lengthBytes });
    this.bytes.fill(0, offsetBytes, offsetBytes + lengthBytes);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Chunk bytes that say where they belong: every byte is the low byte of its target sector number + 1. */
function pattern(extent: TargetExtent, offsetBytes: number, lengthBytes: number): Uint8Array {
  const data = new Uint8Array(lengthBytes);
  for (let i = 0; i < lengthBytes; i += S) data.fill(((extent.targetStartBytes + offsetBytes + i) / S + 1) & 0xff, i, i + S);
  return data;
}

const DISK = 8 * MiB;
/** A "gap" over the first MiB after LBA 0 and a partition from 1 MiB to 7 MiB with two used runs. */
const extents: TargetExtent[] = [
  { label: 'gap', targetStartBytes: S, sizeBytes: MiB - S, ranges: Float64Array.from([0, 2047]), usedBytes: MiB - S },
  { label: 'partition 1', targetStartBytes: MiB, sizeBytes: 6 * MiB, ranges: Float64Array.from([0, 2048, 6144, 6144]), usedBytes: 4 * MiB },
];
const table = [
  { offsetBytes: 0, bytes: new Uint8Array(S).fill(0x55), what: 'MBR' },
  { offsetBytes: DISK - S, bytes: new Uint8Array(S).fill(0x66), what: 'backup GPT header' },
];

function journalStart(): RestoreJournal {
  return {
    restoreId: 'r'.repeat(32),
    sequence: 0,
    snapshotId: 's',
    repositoryId: 'p',
    planDigest: 'd',
    mode: 'disk',
    regionOffsetBytes: 0,
    regionSizeBytes: DISK,
    target: { path: '/memory/target', sizeBytes: DISK, logicalSectorSize: S, model: null, serial: null },
    chunksDone: 0,
    bytesDone: 0,
    usedBytes: 5 * MiB - S,
    startedAt: 'now',
    updatedAt: 'now',
  };
}

function checkpointsFrom(start: RestoreJournal, everyBytes: number): Checkpoints {
  const writer = new JournalWriter({ offsetBytes: 0, sizeBytes: DISK }, start);
  return {
    doneChunks: start.chunksDone,
    doneBytes: start.bytesDone,
    first: () => writer.next(start.chunksDone, start.bytesDone),
    next: (c, b) => writer.next(c, b),
    // Checkpoints by bytes only: a time-based one would land wherever a slow machine happened to be.
    everyMs: Number.POSITIVE_INFINITY,
    everyBytes,
  };
}

async function run(disk: RecordingDisk, checkpoints?: Checkpoints, discard = false) {
  const supplied: number[] = [];
  const result = await writeTarget(
    {
      target: disk,
      extents,
      chunkBytes: MiB,
      clearWrites: [],
      tableWrites: table,
      supply: (e, slice) => {
        supplied.push(e * 100 + slice.index);
        return Promise.resolve(pattern(extents[e] as TargetExtent, slice.offsetBytes, slice.lengthBytes));
      },
      progress: new ProgressTracker('restore', undefined),
      inFlight: 3,
      ...(checkpoints ? { checkpoints } : {}),
      ...(discard ? { discard: { granularityBytes: 4096, minimumRunBytes: 4096, warn: () => undefined } } : {}),
    },
    'restore',
  );
  return { result, supplied };
}

const inZones = (offset: number, length: number) =>
  guardZones({ offsetBytes: 0, sizeBytes: DISK }).some((z) => offset < z.endBytes && offset + length > z.startBytes);

describe("the order of a restore's writes", () => {
  it('zeroes the first MiB (sector 0 first) and the last, flushes, writes data outside them, and writes sector 0 last, between flushes', async () => {
    const disk = new RecordingDisk(DISK);
    await run(disk);
    const writes = disk.events.filter((e) => e.kind === 'write');
    expect(disk.events[0]).toEqual({ kind: 'write', offsetBytes: 0, lengthBytes: MiB });
    expect(disk.events[1]).toEqual({ kind: 'write', offsetBytes: DISK - MiB, lengthBytes: MiB });
    expect(disk.events[2]).toEqual({ kind: 'flush' });
    expect(disk.events.slice(-3)).toEqual([{ kind: 'flush' }, { kind: 'write', offsetBytes: 0, lengthBytes: S }, { kind: 'flush' }]);
    const dataEnd = disk.events.findIndex((e, i) => i > 2 && e.kind === 'write' && inZones(e.offsetBytes, e.lengthBytes));
    expect(disk.events.slice(3, dataEnd).filter((e) => e.kind === 'write').length).toBeGreaterThan(0);
    expect(disk.events[dataEnd - 1]).toEqual({ kind: 'flush' });
    expect(writes.filter((w) => w.offsetBytes === 0)).toHaveLength(2);
    // The head zone's last writes go downwards, so the lowest sectors (where superblocks live) come last.
    const head = disk.events
      .slice(dataEnd)
      .filter((e): e is Extract<Event, { kind: 'write' }> => e.kind === 'write' && e.offsetBytes < MiB && e.offsetBytes > 0);
    expect(head.map((w) => w.offsetBytes)).toEqual([...head.map((w) => w.offsetBytes)].sort((a, b) => b - a));
    expect(head.at(-1)?.offsetBytes).toBe(S);
    // Every used byte and the table are in place; free space inside the guard zones is zero.
    expect(disk.bytes.subarray(0, S).every((b) => b === 0x55)).toBe(true);
    expect(disk.bytes[S]).toBe(2);
    expect(disk.bytes[MiB + 3 * MiB]).toBe(((MiB + 3 * MiB) / S + 1) & 0xff);
    expect(disk.bytes[MiB + MiB + 5]).toBe(0xee);
    expect(disk.bytes[DISK - MiB]).toBe(0);
    expect(disk.bytes[DISK - S]).toBe(0x66);
  });

  it('checkpoints between two flushes, and a resume writes only the chunks after the checkpoint plus the guard zones', async () => {
    const disk = new RecordingDisk(DISK);
    const start = journalStart();
    await run(disk, checkpointsFrom(start, MiB));
    const finalStep = disk.events.findIndex((e, i) => i > 2 && e.kind === 'write' && e.offsetBytes === DISK - MiB);
    const records = disk.events
      .map((e, i) => ({ e, i }))
      .filter(({ e, i }) => i < finalStep && e.kind === 'write' && (e.offsetBytes === 768 * 1024 || e.offsetBytes === 772 * 1024));
    expect(records.length).toBeGreaterThan(1);
    for (const { i } of records) {
      expect(disk.events[i - 1]).toEqual({ kind: 'flush' });
      expect(disk.events[i + 1]).toEqual({ kind: 'flush' });
    }
    // The finished restore overwrote the journal with the gap's bytes.
    expect(decodeJournal(disk.bytes.subarray(768 * 1024, 772 * 1024))).toBeNull();

    const resumedDisk = new RecordingDisk(DISK);
    const { result, supplied } = await run(resumedDisk, checkpointsFrom({ ...start, chunksDone: 3, bytesDone: 3 * MiB - S }, MiB));
    expect(result.skippedBytes).toBe(3 * MiB - S);
    expect(result.writtenBytes).toBe(2 * MiB);
    // Chunks 100 and 101 (partition 1's first two) were durable: only the gap (for the head zone) and the rest are read.
    expect(supplied).not.toContain(100);
    expect(supplied).not.toContain(101);
    expect(supplied).toEqual(expect.arrayContaining([104, 105, 0]));
    const dataWrites = resumedDisk.events.filter((e) => e.kind === 'write' && !inZones(e.offsetBytes, e.lengthBytes));
    expect(Math.min(...dataWrites.map((w) => (w as { offsetBytes: number }).offsetBytes))).toBe(MiB + 4 * MiB);
  });

  it('discards free space only, in whole granules, outside the guard zones, before any data', async () => {
    const disk = new RecordingDisk(DISK);
    const { result } = await run(disk, undefined, true);
    const discards = disk.events.filter((e) => e.kind === 'discard');
    expect(discards).toEqual([{ kind: 'discard', offsetBytes: 2 * MiB, lengthBytes: 2 * MiB }]);
    expect(result.discard).toEqual({ discardedBytes: 2 * MiB, discardedRanges: 1 });
    const firstData = disk.events.findIndex((e) => e.kind === 'write' && !inZones(e.offsetBytes, e.lengthBytes));
    expect(disk.events.findIndex((e) => e.kind === 'discard')).toBeLessThan(firstData);
  });
});

describe('guard zones and free spans', () => {
  it('are the first and last MiB, or one span for a region of up to 2 MiB', () => {
    expect(guardZones({ offsetBytes: MiB, sizeBytes: 10 * MiB })).toEqual([
      { startBytes: MiB, endBytes: 2 * MiB },
      { startBytes: 10 * MiB, endBytes: 11 * MiB },
    ]);
    expect(guardZones({ offsetBytes: 0, sizeBytes: MiB + S })).toEqual([
      { startBytes: 0, endBytes: MiB },
      { startBytes: MiB, endBytes: MiB + S },
    ]);
    expect(guardZones({ offsetBytes: 0, sizeBytes: 4096 })).toEqual([{ startBytes: 0, endBytes: 4096 }]);
  });

  it('cut chunk pieces at the zone edges', () => {
    expect(piecesOutside([{ offsetBytes: 0, lengthBytes: 3 * MiB }], 0, guardZones({ offsetBytes: 0, sizeBytes: 3 * MiB }))).toEqual([
      { offsetBytes: MiB, lengthBytes: MiB },
    ]);
    expect(
      subtractSpans(
        [{ startBytes: 0, endBytes: 100 }],
        [
          { startBytes: 10, endBytes: 20 },
          { startBytes: 15, endBytes: 30 },
          { startBytes: 90, endBytes: 200 },
        ],
      ),
    ).toEqual([
      { startBytes: 0, endBytes: 10 },
      { startBytes: 30, endBytes: 90 },
    ]);
  });

  it('to discard: granule-aligned inward, and none shorter than the minimum', () => {
    const spans = discardSpans(
      { offsetBytes: 0, sizeBytes: 100_000 },
      [{ startBytes: 1000, endBytes: 5000 }],
      [{ startBytes: 90_000, endBytes: 100_000 }],
      4096,
      8192,
    );
    expect(spans).toEqual([{ startBytes: 8192, endBytes: 86_016 }]);
  });
});
