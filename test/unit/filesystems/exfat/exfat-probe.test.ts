/**
 * The exFAT prober and mapper on the real base image (numbers measured with blkid, dump.exfat and
 * partclone.exfat when it was made; the integration matrix re-measures them live).
 */
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { exfatProber, exfatUsedBlocks, readExfatGeometry, readExfatRootDirectory } from '../../../../recovery/filesystems/exfat/index.js';
import { activeBitmap, forEachAllocatedClusterRun } from '../../../../recovery/filesystems/exfat/exfat-bitmap.js';
import { expectBaseAsMeasured } from '../fat/fat-family-tests.js';
import { fixExfatChecksum, loadBase, loadCases, patch } from '../fat/fat-fixtures.js';

const facts = loadCases('exfat').bases['exfat-base']!;
const ROOT = (88 + 14) * 512;
const LABEL_ENTRY = ROOT;

const probe = (bytes: Uint8Array) => exfatProber.probe(bufferSource(bytes));

describe('exFAT prober and used-sector map on a real volume', () => {
  it('type, version, label and UUID as blkid prints them; used sectors as dump.exfat counts them', async () => {
    const { map } = await expectBaseAsMeasured('exfat', 'exfat-base', exfatProber, exfatUsedBlocks);
    expect(map.totalBlocks).toBe(8192);
    // Everything before the heap (sector 88), the allocated clusters (bitmap at cluster 2, up-case
    // table, files, the four root directory clusters) with the holes deleted files left.
    expect(map.used.toJSON()).toEqual([
      [0, 172],
      [176, 82],
      [259, 8],
    ]);
    expect(map.used.totalBlocks).toBe(facts.partcloneUsedSectors);
  });

  it('follows the root directory across its four clusters (16, 169, 174, 179) to the end marker', async () => {
    const source = bufferSource(loadBase('exfat', 'exfat-base'));
    const root = await readExfatRootDirectory(source, (await readExfatGeometry(source))!);
    expect(root).toEqual({ label: 'LifeboatEx', bitmaps: [{ fatIndex: 0, firstCluster: 2, lengthBytes: 1013 }] });
  });

  it('reads the bitmap the same way whatever the piece size', async () => {
    const source = bufferSource(loadBase('exfat', 'exfat-base'));
    const geometry = (await readExfatGeometry(source))!;
    const bitmap = activeBitmap(geometry, (await readExfatRootDirectory(source, geometry)).bitmaps);
    const runs = async (piece?: number) => {
      const out: number[][] = [];
      const used = await forEachAllocatedClusterRun(source, geometry, bitmap, (first, count) => out.push([first, count]), piece);
      return { used, out };
    };
    const whole = await runs();
    expect(whole.used).toBe(174);
    for (const piece of [1, 3, 100, 1012]) expect(await runs(piece)).toEqual(whole);
  });

  it('reads only the bitmap bytes the cluster count needs (what follows them in the cluster is ignored)', async () => {
    const bytes = loadBase('exfat', 'exfat-base');
    // 8104 clusters need exactly 1013 bytes; byte 1013 of the bitmap's cluster is slack.
    patch(bytes, { offset: 88 * 512 + 1013, size: 1, value: 0xff });
    expect((await probe(bytes))?.usedBytes).toBe(facts.usedSectors * 512);
  });
});

describe('exFAT label', () => {
  const withLabel = async (characters: string, count = characters.length) => {
    const bytes = loadBase('exfat', 'exfat-base');
    bytes.fill(0, LABEL_ENTRY + 1, LABEL_ENTRY + 24);
    patch(bytes, { offset: LABEL_ENTRY + 1, size: 1, value: count });
    for (let i = 0; i < characters.length; i++) patch(bytes, { offset: LABEL_ENTRY + 2 + 2 * i, size: 2, value: characters.charCodeAt(i) });
    return (await probe(bytes))?.label;
  };

  it('is UTF-16, trailing spaces dropped, at most 11 characters, none when empty', async () => {
    expect(await withLabel('Grüße ✓  ')).toBe('Grüße ✓');
    expect(await withLabel('ABCDEFGHIJK', 200)).toBe('ABCDEFGHIJK');
    expect(await withLabel('', 0)).toBeNull();
  });
});

describe('exFAT dirty flags and boot region checksums', () => {
  it('VolumeDirty and MediaFailure (outside the checksum, so no backup fallback)', async () => {
    const bytes = loadBase('exfat', 'exfat-base');
    patch(bytes, { offset: 0x6a, size: 2, value: 0x2 });
    expect(await probe(bytes)).toMatchObject({ dirty: true, dirtyReason: 'the volume dirty flag is set (not cleanly unmounted)' });
    patch(bytes, { offset: 0x6a, size: 2, value: 0x4 });
    expect(await probe(bytes)).toMatchObject({ dirty: true, dirtyReason: 'the media failure flag is set (the disk reported errors)' });
  });

  it('a damaged main boot region is read from the backup, and the volume is reported as needing repair', async () => {
    const bytes = loadBase('exfat', 'exfat-base');
    // Damage the main region's cluster count without resealing it: the checksum catches it.
    patch(bytes, { offset: 0x5c, size: 4, value: 5 });
    const info = await probe(bytes);
    expect(info).toMatchObject({ usedBytes: facts.usedSectors * 512, dirty: true, dirtyReason: expect.stringContaining('backup boot region was used') });
    expect((await exfatUsedBlocks(bufferSource(bytes), info!)).used.totalBlocks).toBe(facts.usedSectors);
  });

  it('with both regions damaged, the main one is read as blkid reads it, and that is said', async () => {
    const bytes = loadBase('exfat', 'exfat-base');
    patch(bytes, { offset: 0x100, size: 1, value: 0x42 });
    patch(bytes, { offset: 12 * 512 + 0x100, size: 1, value: 0x42 });
    expect(await probe(bytes)).toMatchObject({ label: facts.label, dirty: true, dirtyReason: expect.stringContaining('backup is no better') });
  });

  it('a resealed main region is believed', async () => {
    const bytes = loadBase('exfat', 'exfat-base');
    patch(bytes, { offset: 0x100, size: 1, value: 0x42 });
    fixExfatChecksum(bytes);
    expect(await probe(bytes)).toMatchObject({ dirty: false });
  });
});

describe('what is not exFAT', () => {
  it('answers null for FAT volumes, zeros and a source smaller than a sector', async () => {
    expect(await probe(loadBase('fat', 'fat12-base'))).toBeNull();
    expect(await probe(loadBase('fat', 'fat32-base').slice(0, 64 * 1024))).toBeNull();
    expect(await probe(new Uint8Array(4096))).toBeNull();
    expect(await probe(new Uint8Array(100))).toBeNull();
  });
});
