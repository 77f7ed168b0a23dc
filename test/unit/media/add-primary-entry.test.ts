import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { LifeboatError } from '../../../recovery/core/errors.js';
import { addPrimaryEntry, chsBytes, MBR_MAX_SECTORS } from '../../../recovery/partitions/add-primary-entry.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { refusalOf } from '../../helpers/refusal.js';

const SECTOR = 512;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Entry {
  slot: number;
  type: number;
  start: number;
  sectors: number;
  status?: number;
}

/** LBA 0 the way xorriso writes a hybrid image's: boot code, a disk signature, entries, 55 AA. */
function mbrSector(entries: Entry[]): Uint8Array {
  const sector = new Uint8Array(SECTOR);
  for (let i = 0; i < 440; i++) sector[i] = (i * 37 + 11) & 0xff;
  sector.set([0x33, 0xed, 0x90], 0);
  sector.set([0x78, 0x56, 0x34, 0x12], 440);
  const view = new DataView(sector.buffer);
  for (const e of entries) {
    const at = 446 + (e.slot - 1) * 16;
    view.setUint8(at, e.status ?? 0);
    view.setUint8(at + 4, e.type);
    view.setUint32(at + 8, e.start, true);
    view.setUint32(at + 12, e.sectors, true);
  }
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** The two partitions of a live image: ISO 9660 at LBA 64, the EFI system partition behind it. */
const LIVE = [
  { slot: 1, type: 0x83, start: 64, sectors: 1_900_000, status: 0x80 },
  { slot: 2, type: 0xef, start: 1_900_064, sectors: 8192 },
];
const IMAGE_END = (1_900_064 + 8192) * SECTOR;

function request(diskSizeBytes: number, afterBytes = IMAGE_END) {
  return { typeByte: 0x07, afterBytes, alignBytes: MiB, diskSizeBytes, sectorSizeBytes: SECTOR };
}

/** Every byte outside the changed entry must be the original's. */
function expectOnlySlotChanged(before: Uint8Array, after: Uint8Array, slot: number): void {
  const at = 446 + (slot - 1) * 16;
  expect(Buffer.from(after.subarray(0, at)).equals(Buffer.from(before.subarray(0, at)))).toBe(true);
  expect(Buffer.from(after.subarray(at + 16)).equals(Buffer.from(before.subarray(at + 16, SECTOR)))).toBe(true);
}

async function partitionsOf(sector: Uint8Array, diskSizeBytes: number) {
  // A sparse stand-in for the disk: only LBA 0 matters to the parser of a table without logical partitions.
  const source = {
    sizeBytes: diskSizeBytes,
    readAt: (offset: number, length: number) => (offset === 0 ? bufferSource(sector).readAt(0, length) : Promise.resolve(new Uint8Array(length))),
  };
  return (await readPartitionTable(source, SECTOR)).partitions;
}

describe("adding the data partition to a live image's MBR", () => {
  it('puts a type 0x07 entry in slot 3, from the first MiB boundary after the image to the end of the disk, and changes nothing else', async () => {
    const before = mbrSector(LIVE);
    const disk = 8 * GiB;
    const added = addPrimaryEntry(before, new Uint8Array(SECTOR), request(disk));
    expect(added.number).toBe(3);
    const start = Math.ceil(IMAGE_END / MiB) * MiB;
    expect(added.startLba * SECTOR).toBe(start);
    expect((added.startLba + added.sectors) * SECTOR).toBe(disk);
    expect(added.capped).toBe(false);
    expectOnlySlotChanged(before, added.sector, 3);
    const partitions = await partitionsOf(added.sector, disk);
    expect(partitions.map((p) => [p.number, p.type, p.startBytes, p.sizeBytes])).toEqual([
      [1, '0x83', 64 * SECTOR, 1_900_000 * SECTOR],
      [2, '0xef', 1_900_064 * SECTOR, 8192 * SECTOR],
      [3, '0x07', start, disk - start],
    ]);
    expect(partitions[0]?.bootable).toBe(true);
  });

  it('starts exactly at the image end when it is already on a MiB boundary, and after a partition that ends past the image', () => {
    const aligned = addPrimaryEntry(mbrSector([{ slot: 1, type: 0x83, start: 64, sectors: 2048 * 100 - 64 }]), null, request(GiB, 100 * MiB));
    expect(aligned.startLba * SECTOR).toBe(100 * MiB);
    // Partition 1 claims bytes past the image file's end: the data partition goes behind them.
    const beyond = addPrimaryEntry(mbrSector([{ slot: 1, type: 0x83, start: 0, sectors: 2048 * 300 + 1 }]), null, request(GiB, 100 * MiB));
    expect(beyond.startLba * SECTOR).toBe(301 * MiB);
  });

  it("leaves the caller's sector untouched, also when it is a Buffer (whose slice is a view)", () => {
    const original = Buffer.from(mbrSector(LIVE));
    const copy = Buffer.from(original);
    const first = addPrimaryEntry(original, null, request(8 * GiB));
    expect(original.equals(copy)).toBe(true);
    expect(addPrimaryEntry(original, null, request(8 * GiB)).number).toBe(first.number);
  });

  it('uses the first free slot, whichever it is', () => {
    const added = addPrimaryEntry(
      mbrSector([
        { slot: 1, type: 0x83, start: 64, sectors: 1000 },
        { slot: 3, type: 0xef, start: 2048, sectors: 2048 },
      ]),
      null,
      request(GiB, 2 * MiB),
    );
    expect(added.number).toBe(2);
    expect(added.startLba).toBe(4096);
  });

  it('writes CHS values as sfdisk does: real ones below cylinder 1024, the 1023/254/63 marker above', () => {
    expect(chsBytes(0)).toEqual([0, 1, 0]);
    expect(chsBytes(2048)).toEqual([32, 33, 0]);
    expect(chsBytes(16_450_559)).toEqual([254, 0xff, 0xff]);
    expect(chsBytes(16_450_560)).toEqual([0xfe, 0xff, 0xff]);
    const added = addPrimaryEntry(mbrSector(LIVE), null, request(8 * GiB));
    expect(Array.from(added.sector.subarray(446 + 32, 446 + 48))).toEqual([
      0,
      ...chsBytes(added.startLba),
      0x07,
      0xfe,
      0xff,
      0xff,
      ...u32(added.startLba),
      ...u32(added.sectors),
    ]);
  });

  it('caps a data partition on a disk larger than 2 TiB at the MBR limit and says so', async () => {
    const disk = 3 * 1024 * GiB;
    const added = addPrimaryEntry(mbrSector(LIVE), null, request(disk));
    expect(added.capped).toBe(true);
    expect(added.startLba + added.sectors).toBe(MBR_MAX_SECTORS);
    expect(added.sectors).toBeLessThanOrEqual(0xffffffff);
    const third = (await partitionsOf(added.sector, disk))[2];
    expect(third && third.startBytes + third.sizeBytes).toBe(2 * 1024 * GiB);
    // Exactly 2 TiB is not capped: every sector is addressable.
    expect(addPrimaryEntry(mbrSector(LIVE), null, request(2 * 1024 * GiB)).capped).toBe(false);
  });

  it('never produces an entry of 2^32 sectors (which would wrap to 0) on an empty table of a huge disk', () => {
    const added = addPrimaryEntry(mbrSector([]), null, request(4 * 1024 * GiB, 0));
    expect(added.startLba).toBe(2048);
    expect(added.sectors).toBe(MBR_MAX_SECTORS - 2048);
  });
});

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

describe('refusing tables that cannot take a data partition', () => {
  it('all four slots used: MEDIA_NO_FREE_SLOT', () => {
    const full = mbrSector([...LIVE, { slot: 3, type: 0x0c, start: 2_000_000, sectors: 10 }, { slot: 4, type: 0x83, start: 2_000_010, sectors: 10 }]);
    const error = refusalOf(() => addPrimaryEntry(full, null, request(8 * GiB)), 'a full table');
    expect(error.code).toBe('MEDIA_NO_FREE_SLOT');
    expect(error.message).toContain('All four primary slots');
    expect(error.message).toContain('--no-data-partition');
  });

  it('a GPT header at LBA 1, or a protective 0xEE entry: MEDIA_NO_FREE_SLOT naming the GPT', () => {
    const lba1 = new Uint8Array(SECTOR);
    lba1.set(Buffer.from('EFI PART'), 0);
    for (const [sector, second] of [
      [mbrSector(LIVE), lba1],
      [mbrSector([{ slot: 1, type: 0xee, start: 1, sectors: 100_000 }]), null],
    ] as const) {
      const error = refusalOf(() => addPrimaryEntry(sector, second, request(8 * GiB)), 'a GPT image');
      expect(error.code).toBe('MEDIA_NO_FREE_SLOT');
      expect(error.message).toContain('GPT');
    }
  });

  it('no MBR at all (a plain ISO, a bad status byte): MEDIA_NO_FREE_SLOT with the reason', () => {
    expect(refusalOf(() => addPrimaryEntry(new Uint8Array(SECTOR), null, request(GiB)), 'zeros').message).toContain('no 55 AA');
    const badStatus = mbrSector([{ ...LIVE[0], status: 0x81 } as Entry]);
    const error = refusalOf(() => addPrimaryEntry(badStatus, null, request(GiB)), 'a bad status byte');
    expect(error.code).toBe('MEDIA_NO_FREE_SLOT');
    expect(error.message).toContain('status byte 0x81');
  });

  it('an entry that reaches past the end of the disk: CORRUPT_PARTITION_TABLE naming it', () => {
    const error = refusalOf(() => addPrimaryEntry(mbrSector(LIVE), null, request(IMAGE_END - SECTOR)), 'an entry past the end');
    expect(error.code).toBe('CORRUPT_PARTITION_TABLE');
    expect(error.message).toContain('MBR partition 2');
    const wild = mbrSector([{ slot: 1, type: 0x83, start: 0xffffff00, sectors: 0xffffffff }]);
    expect(refusalOf(() => addPrimaryEntry(wild, null, request(8 * GiB)), 'a wild entry').code).toBe('CORRUPT_PARTITION_TABLE');
  });

  it('no room after the image: OUT_OF_RANGE, not a zero-sized entry', () => {
    const error = refusalOf(() => addPrimaryEntry(mbrSector(LIVE), null, request(IMAGE_END + 1024)), 'a full disk');
    expect(error.code).toBe('OUT_OF_RANGE');
  });

  it('overlapping entries (hybrid images overlap on purpose): the new entry goes behind both and overlaps neither', async () => {
    const overlapping = mbrSector([
      { slot: 1, type: 0x17, start: 0, sectors: 500_000 },
      { slot: 2, type: 0xef, start: 400_000, sectors: 300_000 },
    ]);
    const added = addPrimaryEntry(overlapping, null, request(GiB, 100 * SECTOR));
    expect(added.startLba * SECTOR).toBe(Math.ceil((700_000 * SECTOR) / MiB) * MiB);
    const partitions = await partitionsOf(added.sector, GiB);
    const third = partitions.find((p) => p.number === 3);
    for (const other of partitions.filter((p) => p.number !== 3)) expect(other.startBytes + other.sizeBytes).toBeLessThanOrEqual(third?.startBytes ?? 0);
  });

  it('survives every single-byte corruption of the entries area with an answer or a LifeboatError', () => {
    const original = mbrSector(LIVE);
    let accepted = 0;
    for (let at = 446; at < 512; at++) {
      for (const value of [0x00, 0x80, 0xee, 0xff]) {
        const sector = original.slice();
        sector[at] = value;
        try {
          const added = addPrimaryEntry(sector, null, request(8 * GiB));
          expect(added.sectors).toBeGreaterThan(0);
          expect(added.startLba).toBeGreaterThan(0);
          accepted++;
        } catch (error) {
          expect(error).toBeInstanceOf(LifeboatError);
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
