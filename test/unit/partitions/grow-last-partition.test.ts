import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { growLastPartition } from '../../../recovery/partitions/grow-last-partition.js';
import type { PlannedWrite } from '../../../recovery/partitions/partition-table.js';
import { readMetadataAreas } from '../../../recovery/partitions/read-metadata-areas.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';
import { planPartitionTableWrites } from '../../../recovery/partitions/write-partition-table.js';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile/partitions');
const S = 512;
const MiB = 1024 * 1024;

async function captured(disk: Uint8Array) {
  const source = bufferSource(disk);
  const table = await readPartitionTable(source, S);
  return { table, metadata: await readMetadataAreas(source, table) };
}

function written(sizeBytes: number, writes: PlannedWrite[]): Uint8Array {
  const disk = new Uint8Array(sizeBytes);
  for (const write of writes) disk.set(write.bytes, write.offsetBytes);
  return disk;
}

/** An MBR with one primary Linux partition from LBA 2048, 2048 sectors long. */
function onePrimary(diskBytes: number): Uint8Array {
  const disk = new Uint8Array(diskBytes);
  const view = new DataView(disk.buffer);
  disk[446 + 4] = 0x83;
  view.setUint32(446 + 8, 2048, true);
  view.setUint32(446 + 12, 2048, true);
  disk[510] = 0x55;
  disk[511] = 0xaa;
  return disk;
}

describe('growing the last partition of a captured table', () => {
  it('GPT: ends on the last MiB boundary before the backup GPT; both copies valid, other entries untouched', async () => {
    const { table, metadata } = await captured(new Uint8Array(await readFile(path.join(folder, 'real-gpt.img'))));
    const grown = growLastPartition(table, metadata, 4 * MiB);
    expect(grown.partition.number).toBe(3);
    expect(grown.newSizeBytes).toBe((6144 - 80) * S);
    const reread = await readPartitionTable(bufferSource(written(4 * MiB, planPartitionTableWrites(grown.table, grown.metadata, 4 * MiB))), S);
    expect(reread.gpt?.primaryProblem).toBeNull();
    expect(reread.gpt?.backupProblem).toBeNull();
    expect(reread.warnings).toEqual([]);
    expect(reread.gpt?.entries.map((e) => [e.firstLba, e.lastLba])).toEqual([
      [34, 49],
      [50, 79],
      [80, 6143],
    ]);
    // The captured table itself is left as it was.
    expect(table.gpt?.entries[2]?.lastLba).toBe(94);
  });

  it('MBR: the last logical partition and its extended container end at the new end together', async () => {
    const { table, metadata } = await captured(new Uint8Array(await readFile(path.join(folder, 'real-mbr-ebr.img'))));
    const grown = growLastPartition(table, metadata, 4 * MiB);
    expect(grown.partition.number).toBe(7);
    const reread = await readPartitionTable(bufferSource(written(4 * MiB, planPartitionTableWrites(grown.table, grown.metadata, 4 * MiB))), S);
    expect(reread.warnings).toEqual([]);
    const end = (n: number) => {
      const p = reread.partitions.find((q) => q.number === n);
      return p ? (p.startBytes + p.sizeBytes) / S : null;
    };
    expect(end(7)).toBe(8192);
    expect(end(2)).toBe(8192);
    expect(reread.partitions.find((p) => p.number === 7)?.sizeBytes).toBe(grown.newSizeBytes);
    expect(end(5)).toBe(
      (table.partitions.find((p) => p.number === 5)?.startBytes ?? 0) / S + (table.partitions.find((p) => p.number === 5)?.sizeBytes ?? 0) / S,
    );
  });

  it('MBR: a primary partition grows, with the CHS end fdisk would write', async () => {
    const { table, metadata } = await captured(onePrimary(2 * MiB));
    const grown = growLastPartition(table, metadata, 10 * MiB + S);
    expect(grown.newSizeBytes).toBe((20480 - 2048) * S);
    const writes = planPartitionTableWrites(grown.table, grown.metadata, 10 * MiB + S);
    const mbr = writes[0]?.bytes as Uint8Array;
    expect(new DataView(mbr.buffer, mbr.byteOffset).getUint32(446 + 12, true)).toBe(18432);
    // LBA 20479 = cylinder 1, head 70, sector 5.
    expect([...mbr.subarray(446 + 5, 446 + 8)]).toEqual([70, 5, 1]);
    const reread = await readPartitionTable(bufferSource(written(10 * MiB + S, writes)), S);
    expect(reread.partitions[0]?.sizeBytes).toBe(18432 * S);
  });

  it('MBR: stops at the 2^32-sector limit and says so', async () => {
    const { table, metadata } = await captured(onePrimary(2 * MiB));
    const grown = growLastPartition(table, metadata, 3 * 1024 * 1024 * MiB);
    expect(grown.newSizeBytes).toBe((2 ** 32 - 2048) * S);
    expect(grown.note).toContain('2^32');
  });

  it('refuses a target that leaves no whole MiB to grow into', async () => {
    const { table, metadata } = await captured(onePrimary(2 * MiB));
    expect(() => growLastPartition(table, metadata, 2 * MiB)).toThrow(/nothing to grow into/);
    expect(() => growLastPartition(table, metadata, 2 * MiB + 512 * 1024)).toThrow(expect.objectContaining({ code: 'CANNOT_GROW' }));
  });
});
