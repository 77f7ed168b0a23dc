import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Disk } from '../../../recovery/disks/disk.js';
import {
  JOURNAL_MAGIC,
  JOURNAL_SLOT_BYTES,
  JOURNAL_SLOT_OFFSETS,
  JournalWriter,
  decodeJournal,
  encodeJournal,
  readJournal,
  type RestoreJournal,
} from '../../../recovery/pipeline/restore-journal.js';

const MiB = 1024 * 1024;

const record: RestoreJournal = {
  restoreId: '0123456789abcdef0123456789abcdef',
  sequence: 1,
  snapshotId: 'cdb08f8255ca9865',
  repositoryId: 'ffeeddccbbaa99887766554433221100',
  planDigest: '00112233445566778899aabbccddeeff',
  mode: 'disk',
  regionOffsetBytes: 0,
  regionSizeBytes: 8 * MiB,
  target: { path: '/dev/sdb', sizeBytes: 8 * MiB, logicalSectorSize: 512, model: 'Samsung SSD 870', serial: 'S5Y1NX0' },
  chunksDone: 3,
  bytesDone: 12 * MiB,
  usedBytes: 40 * MiB,
  startedAt: '2026-11-22T00:00:00.000Z',
  updatedAt: '2026-11-22T00:00:01.000Z',
};

/** Just enough of a Disk to read slots from a buffer. */
function bufferDisk(bytes: Uint8Array): Disk {
  return {
    path: '/memory',
    kind: 'image-file',
    sizeBytes: bytes.length,
    logicalSectorSize: 512,
    physicalSectorSize: 512,
    writable: false,
    canDiscard: false,
    readAt: (offset, length) => Promise.resolve(Buffer.from(bytes.subarray(offset, offset + length))),
    writeAt: () => Promise.reject(new Error('read-only')),
    flush: () => Promise.resolve(),
    discard: () => Promise.reject(new Error('no discard')),
    close: () => Promise.resolve(),
  };
}

describe('the restore journal', () => {
  it('reads back what it wrote, in one slot of 4 KiB', () => {
    const slot = encodeJournal(record);
    expect(slot.length).toBe(JOURNAL_SLOT_BYTES);
    expect(decodeJournal(slot)).toEqual(record);
  });

  it('finds nothing in zeros, in a slot with one flipped byte, or in a slot of a newer version', () => {
    expect(decodeJournal(new Uint8Array(JOURNAL_SLOT_BYTES))).toBeNull();
    const flipped = encodeJournal(record);
    flipped[40] = (flipped[40] ?? 0) ^ 1;
    expect(decodeJournal(flipped)).toBeNull();
    const newer = encodeJournal(record);
    newer[8] = 2;
    expect(decodeJournal(newer)).toBeNull();
  });

  it('finds nothing in an intact slot whose JSON is not a record: null, a list, wrong types, a sequence that disagrees', () => {
    /** A slot with a right magic, version and hash around any text. */
    const slotAround = (json: string, sequence = 1) => {
      const slot = new Uint8Array(JOURNAL_SLOT_BYTES);
      const view = new DataView(slot.buffer);
      slot.set(JOURNAL_MAGIC, 0);
      view.setUint16(8, 1, true);
      const bytes = Buffer.from(json, 'utf8');
      view.setUint32(12, bytes.length, true);
      view.setBigUint64(16, BigInt(sequence), true);
      slot.set(bytes, 24);
      slot.set(
        createHash('sha256')
          .update(slot.subarray(0, JOURNAL_SLOT_BYTES - 32))
          .digest(),
        JOURNAL_SLOT_BYTES - 32,
      );
      return slot;
    };
    expect(decodeJournal(slotAround(JSON.stringify(record)))).toEqual(record);
    for (const json of [
      'null',
      '[]',
      '5',
      '"text"',
      '{"target": null}',
      JSON.stringify({ ...record, chunksDone: -1 }),
      JSON.stringify({ ...record, target: { ...record.target, sizeBytes: '8' } }),
      '{',
    ]) {
      expect(decodeJournal(slotAround(json)), json).toBeNull();
    }
    expect(decodeJournal(slotAround(JSON.stringify(record), 2))).toBeNull();
  });

  it('keeps a long path or model short enough for its slot', () => {
    const long = { ...record, target: { ...record.target, path: `/dev/disk/by-id/${'x'.repeat(5000)}`, model: 'm'.repeat(1000) } };
    const decoded = decodeJournal(encodeJournal(long));
    expect(decoded?.target.path.length).toBe(512);
    expect(decoded?.target.model?.length).toBe(128);
  });

  it('alternates between its two slots, and a reader takes the newest intact one, even when the newest write was torn', async () => {
    const disk = new Uint8Array(2 * MiB);
    const writer = new JournalWriter({ offsetBytes: 0, sizeBytes: disk.length }, { ...record, sequence: 0 });
    const first = writer.next(1, MiB);
    const second = writer.next(2, 2 * MiB);
    expect([first.offsetBytes, second.offsetBytes].sort()).toEqual([...JOURNAL_SLOT_OFFSETS]);
    disk.set(first.bytes, first.offsetBytes);
    disk.set(second.bytes, second.offsetBytes);
    expect((await readJournal(bufferDisk(disk), { offsetBytes: 0, sizeBytes: disk.length }))?.chunksDone).toBe(2);
    const third = writer.next(3, 3 * MiB);
    expect(third.offsetBytes).toBe(first.offsetBytes);
    // Only the first sector of the third record reached the disk.
    disk.set(third.bytes.subarray(0, 512), third.offsetBytes);
    expect((await readJournal(bufferDisk(disk), { offsetBytes: 0, sizeBytes: disk.length }))?.chunksDone).toBe(2);
  });

  it('is looked for at the start of the restored span, and not at all in a span smaller than a MiB', async () => {
    const disk = new Uint8Array(4 * MiB);
    const writer = new JournalWriter(
      { offsetBytes: MiB, sizeBytes: 2 * MiB },
      { ...record, mode: 'partition', regionOffsetBytes: MiB, regionSizeBytes: 2 * MiB, sequence: 0 },
    );
    const write = writer.next(1, 1);
    expect(write.offsetBytes).toBe(MiB + (JOURNAL_SLOT_OFFSETS[1] as number));
    disk.set(write.bytes, write.offsetBytes);
    expect(await readJournal(bufferDisk(disk), { offsetBytes: 0, sizeBytes: disk.length })).toBeNull();
    expect((await readJournal(bufferDisk(disk), { offsetBytes: MiB, sizeBytes: 2 * MiB }))?.mode).toBe('partition');
    expect(await readJournal(bufferDisk(disk), { offsetBytes: MiB, sizeBytes: MiB - 512 })).toBeNull();
  });
});
