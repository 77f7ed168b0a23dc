import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { readPartitionTable } from '../../../recovery/partitions/read-partition-table.js';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile/partitions');
const S = 512;

async function image(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(folder, name)));
}

function setEntry(disk: Uint8Array, slot: number, fields: { status?: number; type: number; start: number; sectors: number }): void {
  const at = 446 + slot * 16;
  const view = new DataView(disk.buffer, disk.byteOffset);
  disk[at] = fields.status ?? 0;
  disk[at + 4] = fields.type;
  view.setUint32(at + 8, fields.start, true);
  view.setUint32(at + 12, fields.sectors, true);
}

describe('disks without a partition table', () => {
  it('an all-zero disk, a disk smaller than a sector and a FAT "superfloppy" have scheme none', async () => {
    expect((await readPartitionTable(bufferSource(new Uint8Array(64 * S)), S)).scheme).toBe('none');
    expect(await readPartitionTable(bufferSource(new Uint8Array(100)), S)).toMatchObject({ scheme: 'none', diskSectors: 0, partitions: [] });
    const fat = new Uint8Array(64 * S);
    fat.set([0xeb, 0x3c, 0x90], 0);
    fat.set(
      Array.from('mkfs.fat', (c) => c.charCodeAt(0)),
      3,
    );
    new DataView(fat.buffer).setUint16(0x0b, 512, true);
    fat.set(
      Array.from('FAT16   ', (c) => c.charCodeAt(0)),
      0x36,
    );
    fat.set([0x29, 0x33], 446); // boot code bytes where entries would be
    fat.set([0x55, 0xaa], 510);
    expect((await readPartitionTable(bufferSource(fat), S)).scheme).toBe('none');
  });

  it('an MBR-looking sector with a status byte other than 0x00/0x80 is not a table (as libblkid decides)', async () => {
    const disk = await image('real-mbr-ebr.img');
    disk[446 + 16] = 0x12;
    expect((await readPartitionTable(bufferSource(disk), S)).scheme).toBe('none');
  });

  it('refuses a sector size it cannot handle', async () => {
    await expect(readPartitionTable(bufferSource(new Uint8Array(4096)), 520)).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('MBR details', () => {
  it('numbers, PARTUUIDs, metadata areas and gaps of an sfdisk table with logical partitions', async () => {
    const table = await readPartitionTable(bufferSource(await image('real-mbr-ebr.img')), S);
    expect(table.partitions.map((p) => [p.number, p.kind, p.uuid, p.type, p.typeName])).toEqual([
      [1, 'primary', '1234abcd-01', '0x83', 'Linux'],
      [2, 'extended', '1234abcd-02', '0x05', 'Extended'],
      [5, 'logical', '1234abcd-05', '0x83', 'Linux'],
      [6, 'logical', '1234abcd-06', '0x82', 'Linux swap'],
      [7, 'logical', '1234abcd-07', '0x07', 'NTFS/exFAT'],
    ]);
    expect(table.metadataAreas.map((a) => [a.kind, a.offsetBytes / S])).toEqual([
      ['mbr', 0],
      ['ebr', 20],
      ['ebr', 39],
      ['ebr', 59],
    ]);
    // LBA 1; LBA 12–19 between 1 and the extended; EBR-to-logical padding at 21; 32–38; 50–58; after 69.
    expect(table.gaps.map((g) => [g.offsetBytes / S, g.sizeBytes / S, g.position])).toEqual([
      [1, 1, 'leading'],
      [12, 8, 'between'],
      [21, 1, 'between'],
      [32, 7, 'between'],
      [50, 9, 'between'],
      [70, 58, 'trailing'],
    ]);
  });

  it('has no PARTUUID when the disk signature is zero (blkid prints none)', async () => {
    const disk = await image('real-mbr-ebr.img');
    disk.fill(0, 440, 444);
    const table = await readPartitionTable(bufferSource(disk), S);
    expect(table.mbr?.diskSignature).toBe('00000000');
    expect(table.partitions.every((p) => p.uuid === null)).toBe(true);
  });

  it('warns about a stale GPT header behind an MBR and uses the MBR, as Linux does', async () => {
    const disk = await image('real-mbr-ebr.img');
    disk.set((await image('real-gpt.img')).subarray(S, 2 * S), S);
    const table = await readPartitionTable(bufferSource(disk), S);
    expect(table.scheme).toBe('mbr');
    expect(table.warnings).toEqual([expect.stringContaining('stale GPT header')]);
  });
});

describe('GPT details', () => {
  it('entries, metadata areas and gaps of an sgdisk table', async () => {
    const table = await readPartitionTable(bufferSource(await image('real-gpt.img')), S);
    expect(table.mbr).toMatchObject({ protective: true, hybrid: false });
    expect(table.gpt).toMatchObject({ source: 'primary', diskGuid: '11111111-2222-3333-4444-555555555555', firstUsableLba: 34, lastUsableLba: 94 });
    expect(table.partitions[1]).toEqual({
      number: 2,
      startBytes: 50 * S,
      sizeBytes: 30 * S,
      type: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
      typeName: 'EFI system',
      name: 'EFI',
      uuid: 'aaaaaaaa-0000-0000-0000-000000000002',
      bootable: false,
      kind: 'gpt',
    });
    expect(table.metadataAreas.map((a) => [a.kind, a.offsetBytes / S, a.sizeBytes / S, a.intact])).toEqual([
      ['mbr', 0, 1, true],
      ['gpt-primary-header', 1, 1, true],
      ['gpt-primary-entries', 2, 32, true],
      ['gpt-backup-entries', 95, 32, true],
      ['gpt-backup-header', 127, 1, true],
    ]);
    expect(table.gaps).toEqual([]);
  });

  it('reads a GPT whose LBA 0 holds no protective MBR, with a warning', async () => {
    const disk = await image('real-gpt.img');
    disk.fill(0, 0, S);
    const table = await readPartitionTable(bufferSource(disk), S);
    expect(table).toMatchObject({ scheme: 'gpt', mbr: null });
    expect(table.metadataAreas[0]).toEqual({ kind: 'mbr', offsetBytes: 0, sizeBytes: S, intact: false });
    expect(table.warnings).toEqual([expect.stringContaining('no protective MBR')]);
  });

  it('recognises a hybrid MBR (0xEE plus real entries) and takes the partitions from the GPT', async () => {
    const disk = await image('real-gpt.img');
    setEntry(disk, 0, { type: 0xee, start: 1, sectors: 33 });
    setEntry(disk, 1, { status: 0x80, type: 0x07, start: 80, sectors: 15 });
    const table = await readPartitionTable(bufferSource(disk), S);
    expect(table.scheme).toBe('gpt');
    expect(table.mbr).toMatchObject({ hybrid: true, protective: false });
    expect(table.partitions.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(table.warnings).toEqual([]);
  });

  it('reports the legacy-BIOS-bootable attribute as bootable and attributes as hex', async () => {
    const disk = await image('real-gpt.img');
    // Set attribute bit 2 of entry 1 in both copies, then fix the CRCs the way the fixture script does.
    const { crc32 } = await import('node:zlib');
    const view = new DataView(disk.buffer);
    for (const [headerLba, entriesLba] of [
      [1, 2],
      [127, 95],
    ] as const) {
      disk[entriesLba * S + 48] = 0x04;
      view.setUint32(headerLba * S + 88, crc32(disk.subarray(entriesLba * S, entriesLba * S + 128 * 128)) >>> 0, true);
      view.setUint32(headerLba * S + 16, 0, true);
      view.setUint32(headerLba * S + 16, crc32(disk.subarray(headerLba * S, headerLba * S + 92)) >>> 0, true);
    }
    const table = await readPartitionTable(bufferSource(disk), S);
    expect(table.gpt?.entries[0]?.attributes).toBe('0x0000000000000004');
    expect(table.partitions.map((p) => p.bootable)).toEqual([true, false, false]);
  });
});
