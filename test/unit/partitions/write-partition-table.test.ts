import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import type { PlannedWrite } from '../../../recovery/partitions/partition-table.js';
import { readMetadataAreas } from '../../../recovery/partitions/read-metadata-areas.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { clearPartitionTableWrites, planPartitionTableWrites, requiredTargetBytes } from '../../../recovery/partitions/write-partition-table.js';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile/partitions');
const S = 512;

async function image(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(folder, name)));
}

function apply(target: Uint8Array, writes: PlannedWrite[]): Uint8Array {
  for (const write of writes) target.set(write.bytes, write.offsetBytes);
  return target;
}

async function capture(disk: Uint8Array) {
  const source = bufferSource(disk);
  const table = await readPartitionTable(source, S);
  return { table, metadata: await readMetadataAreas(source, table) };
}

describe('writing a GPT for a target disk', () => {
  it("on a disk of the same size, rebuilds sgdisk's headers and entries byte for byte", async () => {
    const original = await image('real-gpt.img');
    const { table, metadata } = await capture(original);
    const written = apply(new Uint8Array(original.length), planPartitionTableWrites(table, metadata, original.length));
    expect(written.subarray(S)).toEqual(original.subarray(S));
    // LBA 0: the same protective entry (type 0xEE, LBA 1, 127 sectors); only the CHS fields may differ from sgdisk's.
    expect(written.subarray(446 + 4, 446 + 5)).toEqual(original.subarray(446 + 4, 446 + 5));
    expect(written.subarray(446 + 8, 446 + 16)).toEqual(original.subarray(446 + 8, 446 + 16));
  });

  it('on a bigger disk, moves the backup to the new end and grows the usable range', async () => {
    const { table, metadata } = await capture(await image('real-gpt.img'));
    const sectors = 256;
    const written = apply(new Uint8Array(sectors * S), planPartitionTableWrites(table, metadata, sectors * S));
    const reread = await readPartitionTable(bufferSource(written), S);
    expect(reread.warnings).toEqual([]);
    expect(reread.partitions).toEqual(table.partitions);
    expect(reread.gpt?.primary).toMatchObject({ alternateLba: 255, lastUsableLba: sectors - 2 - 32, entriesLba: 2 });
    expect(reread.gpt?.backup).toMatchObject({ myLba: 255, alternateLba: 1, entriesLba: 223, lastUsableLba: 222 });
    expect(reread.mbr?.entries[0]).toMatchObject({ typeByte: 0xee, startLba: 1, sectors: 255 });
  });

  it('rebuilds from the backup when the primary was damaged', async () => {
    const { table, metadata } = await capture(await image('gpt-entry-size-odd.img'));
    expect(table.gpt?.source).toBe('backup');
    const written = apply(new Uint8Array(128 * S), planPartitionTableWrites(table, metadata, 128 * S));
    const reread = await readPartitionTable(bufferSource(written), S);
    expect(reread.gpt).toMatchObject({ source: 'primary', primaryProblem: null, backupProblem: null });
    expect(reread.partitions).toEqual(table.partitions);
  });

  it('keeps a hybrid MBR exactly as it was', async () => {
    const disk = await image('real-gpt.img');
    disk.set([0x80, 0, 0, 0, 0x07, 0, 0, 0, 80, 0, 0, 0, 15, 0, 0, 0], 446 + 16);
    const { table, metadata } = await capture(disk);
    expect(table.mbr?.hybrid).toBe(true);
    const writes = planPartitionTableWrites(table, metadata, 256 * S);
    expect(writes[0]).toMatchObject({ offsetBytes: 0, what: 'hybrid MBR', bytes: disk.subarray(0, S) });
  });

  it('refuses a target too small for the last partition plus the backup GPT, saying by how much', async () => {
    const { table, metadata } = await capture(await image('real-gpt.img'));
    // Partition 3 ends at LBA 94; 94 + 1 + 32 entry sectors + 1 header = 128 sectors.
    expect(requiredTargetBytes(table)).toBe(128 * S);
    expect(() => planPartitionTableWrites(table, metadata, 126 * S + 100)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE', message: expect.stringContaining(`is ${2 * S} bytes too small`) }),
    );
  });

  it('refuses stored metadata that does not match the table', async () => {
    const { table, metadata } = await capture(await image('real-gpt.img'));
    const damaged = metadata.map((area) => (area.kind === 'gpt-primary-entries' ? { ...area, bytes: area.bytes.map((b, i) => (i === 0 ? b ^ 1 : b)) } : area));
    expect(() => planPartitionTableWrites(table, damaged, 128 * S)).toThrow(expect.objectContaining({ code: 'CORRUPT_PARTITION_TABLE' }));
    const missing = metadata.filter((area) => area.kind !== 'gpt-primary-header');
    expect(() => planPartitionTableWrites(table, missing, 128 * S)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_PARTITION_TABLE', message: expect.stringContaining('gpt-primary-header at byte 512 is missing') }),
    );
  });
});

describe('writing an MBR for a target disk', () => {
  it('writes the MBR and every EBR back byte for byte, boot code included', async () => {
    const original = await image('real-mbr-ebr.img');
    original.fill(0x90, 0, 440); // stand-in boot code
    const { table, metadata } = await capture(original);
    const writes = planPartitionTableWrites(table, metadata, 1024 * 1024);
    expect(writes.map((w) => w.offsetBytes / S)).toEqual([0, 20, 39, 59]);
    for (const write of writes) expect(write.bytes).toEqual(original.subarray(write.offsetBytes, write.offsetBytes + S));
    const reread = await readPartitionTable(bufferSource(apply(new Uint8Array(1024 * 1024), writes)), S);
    expect(reread.partitions).toEqual(table.partitions);
  });

  it('refuses a target that ends inside the extended partition', async () => {
    const { table, metadata } = await capture(await image('real-mbr-ebr.img'));
    expect(requiredTargetBytes(table)).toBe(120 * S);
    expect(() => planPartitionTableWrites(table, metadata, 100 * S)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE', message: expect.stringContaining(`${20 * S} bytes too small`) }),
    );
  });
});

describe("clearing a target's old table", () => {
  it('zeroes LBA 0, LBA 1 and the last LBA, after which no table is found', async () => {
    const disk = await image('real-gpt.img');
    const writes = clearPartitionTableWrites(disk.length, S);
    expect(writes.map((w) => [w.offsetBytes / S, w.bytes.length, w.what])).toEqual([
      [0, S, 'MBR'],
      [1, S, 'primary GPT header'],
      [127, S, 'backup GPT header'],
    ]);
    expect((await readPartitionTable(bufferSource(apply(disk, writes)), S)).scheme).toBe('none');
  });
});
