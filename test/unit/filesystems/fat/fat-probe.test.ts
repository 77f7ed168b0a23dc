/**
 * The FAT prober and mapper on the real base images (numbers measured with blkid, fsck.fat and
 * partclone.fat when the bases were made; the integration matrix re-measures them live).
 */
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { fatProber, fatUsedBlocks, parseFatBootSector, readFatGeometry } from '../../../../recovery/filesystems/fat/index.js';
import { forEachUsedClusterRun } from '../../../../recovery/filesystems/fat/fat-table.js';
import { exfatProber } from '../../../../recovery/filesystems/exfat/index.js';
import { expectBaseAsMeasured } from './fat-family-tests.js';
import { loadBase, loadCases, patch } from './fat-fixtures.js';

const { bases } = loadCases('fat');
const FAT12_ROOT = 7 * 512;
const FAT32_FAT = 32 * 512;
const FAT32_ROOT = 1072 * 512;

async function info(bytes: Uint8Array) {
  return fatProber.probe(bufferSource(bytes));
}

describe('FAT prober and used-sector map on real volumes', () => {
  for (const name of ['fat12-base', 'fat32-base']) {
    it(`${name}: type, version, label and UUID as blkid prints them, used sectors as fsck.fat counts them`, async () => {
      const { facts, map } = await expectBaseAsMeasured('fat', name, fatProber, fatUsedBlocks);
      expect(map.used.totalBlocks).toBe(facts.usedSectors);
    });
  }

  it("FAT32: the runs are exactly partclone.fat's bitmap (metadata, then the files, with the holes of deleted ones)", async () => {
    const bytes = loadBase('fat', 'fat32-base');
    const map = await fatUsedBlocks(bufferSource(bytes), (await info(bytes))!);
    expect(map.used.toJSON()).toEqual([
      [0, 1128],
      [1147, 79],
      [1227, 36],
    ]);
  });

  it('FAT12: reserved sector, 2 FATs of 3 sectors, 32 root sectors, then clusters 2-161 (fsck.fat: 160 used)', async () => {
    const bytes = loadBase('fat', 'fat12-base');
    const map = await fatUsedBlocks(bufferSource(bytes), (await info(bytes))!);
    expect(map.used.toJSON()).toEqual([[0, 39 + 160]]);
  });

  it('reads the FAT the same way whatever the piece size (FAT12 pieces never split an entry)', async () => {
    for (const name of ['fat12-base', 'fat32-base']) {
      const source = bufferSource(loadBase('fat', name));
      const geometry = (await readFatGeometry(source))!;
      const runs = async (piece?: number) => {
        const out: number[][] = [];
        const used = await forEachUsedClusterRun(source, geometry, (first, count) => out.push([first, count]), piece);
        return { used, out };
      };
      const whole = await runs();
      for (const piece of [2, 3, 6, 342, 1000]) expect(await runs(piece)).toEqual(whole);
    }
  });

  it('does not count bad clusters, and masks the top four bits of FAT32 entries', async () => {
    const fat12 = loadBase('fat', 'fat12-base');
    // Cluster 500 is free; mark it bad (0xFF7) in FAT12. Entry 500 is the low 12 bits at byte 750.
    patch(fat12, { offset: 512 + 750, size: 2, value: 0x0ff7 });
    expect((await info(fat12))?.usedBytes).toBe(bases['fat12-base']!.usedSectors * 512);

    const fat32 = loadBase('fat', 'fat32-base');
    patch(fat32, { offset: FAT32_FAT + 4 * 5000, size: 4, value: 0x0ffffff7 });
    // Only reserved bits set: the entry is free (partclone, comparing the raw value, would copy it).
    patch(fat32, { offset: FAT32_FAT + 4 * 5001, size: 4, value: 0xf0000000 });
    expect((await info(fat32))?.usedBytes).toBe(bases['fat32-base']!.usedSectors * 512);
    patch(fat32, { offset: FAT32_FAT + 4 * 5002, size: 4, value: 0x0fffffff });
    expect((await info(fat32))?.usedBytes).toBe((bases['fat32-base']!.usedSectors + 1) * 512);
  });

  it('FAT32 with mirroring off reads the active FAT, not the first', async () => {
    const bytes = loadBase('fat', 'fat32-base');
    const secondFat = FAT32_FAT + 520 * 512;
    patch(bytes, { offset: secondFat + 4 * 6000, size: 4, value: 0x0fffffff });
    expect((await info(bytes))?.usedBytes).toBe(bases['fat32-base']!.usedSectors * 512);
    patch(bytes, { offset: 0x28, size: 2, value: 0x81 });
    expect((await info(bytes))?.usedBytes).toBe((bases['fat32-base']!.usedSectors + 1) * 512);
  });
});

describe('FAT labels, as blkid 2.38 reports LABEL (the integration test checks each against blkid)', () => {
  const label = async (edit: (bytes: Uint8Array) => void) => {
    const bytes = loadBase('fat', 'fat12-base');
    edit(bytes);
    return (await info(bytes))?.label;
  };
  const text = (bytes: Uint8Array, at: number, value: string) => bytes.set(new TextEncoder().encode(value.padEnd(11, ' ')), at);

  it('takes the root directory entry over the boot sector', async () => {
    expect(await label((b) => text(b, 0x2b, 'BOOTONLY'))).toBe('LIFEBOAT12');
  });
  it('has no label when the root entry is deleted, even with one in the boot sector', async () => {
    expect(await label((b) => patch(b, { offset: FAT12_ROOT, size: 1, value: 0xe5 }))).toBeNull();
  });
  it('reports a root entry reading NO NAME as it is', async () => {
    expect(await label((b) => text(b, FAT12_ROOT, 'NO NAME'))).toBe('NO NAME');
  });
  it('cuts at a NUL and drops trailing spaces; all spaces is no label', async () => {
    expect(await label((b) => text(b, FAT12_ROOT, 'AB\0CD'))).toBe('AB');
    expect(await label((b) => text(b, FAT12_ROOT, 'A B'))).toBe('A B');
    expect(await label((b) => text(b, FAT12_ROOT, ''))).toBeNull();
  });
  it('finds a FAT32 label in a later cluster of the root directory chain', async () => {
    const bytes = loadBase('fat', 'fat32-base');
    // Move the label entry from cluster 2 to the start of cluster 164 (the chain is 2, 163, 164).
    const entry = bytes.slice(FAT32_ROOT, FAT32_ROOT + 32);
    patch(bytes, { offset: FAT32_ROOT, size: 1, value: 0xe5 });
    const cluster164 = FAT32_ROOT + 162 * 512;
    bytes.copyWithin(cluster164 + 32, cluster164, cluster164 + 480);
    bytes.set(entry, cluster164);
    expect((await info(bytes))?.label).toBe('LIFEBOAT32');
  });
});

describe('FAT dirty flags', () => {
  it('the boot sector dirty bit (what fsck.fat reports as "Dirty bit is set")', async () => {
    const fat12 = loadBase('fat', 'fat12-base');
    patch(fat12, { offset: 0x25, size: 1, value: 1 });
    expect(await info(fat12)).toMatchObject({ dirty: true, dirtyReason: expect.stringContaining('dirty bit') });
    const fat32 = loadBase('fat', 'fat32-base');
    patch(fat32, { offset: 0x41, size: 1, value: 1 });
    expect(await info(fat32)).toMatchObject({ dirty: true, dirtyReason: expect.stringContaining('dirty bit') });
  });

  it('FAT32 entry 1: bit 27 clear is an unclean unmount, bit 26 clear is recorded disk errors', async () => {
    const fat32 = loadBase('fat', 'fat32-base');
    patch(fat32, { offset: FAT32_FAT + 4, size: 4, value: 0x07ffffff });
    expect(await info(fat32)).toMatchObject({ dirty: true, dirtyReason: 'FAT entry 1 says the volume was not cleanly unmounted' });
    patch(fat32, { offset: FAT32_FAT + 4, size: 4, value: 0x0bffffff });
    expect(await info(fat32)).toMatchObject({ dirty: true, dirtyReason: 'FAT entry 1 records disk errors' });
  });
});

describe('what is not FAT', () => {
  it('answers null for exFAT, NTFS, an MBR, zeros and a source smaller than a sector', async () => {
    const exfat = loadBase('exfat', 'exfat-base');
    expect(await info(exfat)).toBeNull();
    expect(await exfatProber.probe(bufferSource(loadBase('fat', 'fat12-base')))).toBeNull();

    const ntfs = loadBase('fat', 'fat32-base').slice(0, 64 * 1024);
    ntfs.set(new TextEncoder().encode('NTFS    '), 3);
    expect(await info(ntfs)).toBeNull();

    // A DOS MBR: boot code, one partition entry, 55 AA; its "BPB" bytes are code or zeros.
    const mbr = new Uint8Array(64 * 1024);
    mbr.set([0xfa, 0x33, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0x7c], 0);
    mbr.set([0x80, 0x20, 0x21, 0x00, 0x0c, 0xfe, 0xff, 0xff, 0x00, 0x08, 0, 0, 0, 0x10, 0, 0], 446);
    mbr.set([0x55, 0xaa], 510);
    expect(await info(mbr)).toBeNull();

    expect(await info(new Uint8Array(4096))).toBeNull();
    expect(await info(new Uint8Array(100))).toBeNull();
  });
});

describe('FAT type by cluster count (Microsoft specification and Linux kernel)', () => {
  /** A FAT12/16-layout boot sector with 1 FAT of 16 sectors, 16 root entries and `clusters` 1-sector clusters. */
  const bootSector = (clusters: number, fat32Layout = false) => {
    const sector = new Uint8Array(512);
    const view = new DataView(sector.buffer);
    sector.set([0xeb, 0x3c, 0x90], 0);
    view.setUint16(0x0b, 512, true);
    sector[0x0d] = 1;
    view.setUint16(0x0e, 1, true);
    sector[0x10] = 1;
    view.setUint16(0x11, fat32Layout ? 0 : 16, true);
    sector[0x15] = 0xf8;
    const fatSectors = fat32Layout ? Math.ceil(((clusters + 2) * 4) / 512) : 16 * 16;
    if (fat32Layout) {
      view.setUint32(0x24, fatSectors, true);
      view.setUint32(0x2c, 2, true);
    } else {
      view.setUint16(0x16, fatSectors, true);
    }
    view.setUint32(0x20, 1 + fatSectors + (fat32Layout ? 0 : 1) + clusters, true);
    sector.set([0x55, 0xaa], 510);
    const result = parseFatBootSector(sector);
    if (!('geometry' in result)) throw new Error(result.problem);
    return result.geometry;
  };

  it('up to 4084 clusters is FAT12 (blkid says FAT16 at exactly 4084), up to 65524 FAT16', () => {
    expect(bootSector(4084).version).toBe('FAT12');
    expect(bootSector(4085).version).toBe('FAT16');
    expect(bootSector(65524).version).toBe('FAT16');
  });

  it('a boot sector without a 16-bit FAT size is FAT32 whatever its cluster count, as blkid and the kernel say', () => {
    expect(bootSector(1000, true).version).toBe('FAT32');
  });
});
