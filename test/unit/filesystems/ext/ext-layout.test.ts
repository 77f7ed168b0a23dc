import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { descriptorBlockLocation, forEachSuperAndDescriptorRun, hasSuperblock } from '../../../../recovery/filesystems/ext/ext-backup-groups.js';
import { descriptorChecksum, descriptorChecksumValid } from '../../../../recovery/filesystems/ext/ext-checksums.js';
import { extDirtyReason, extType } from '../../../../recovery/filesystems/ext/ext-probe.js';
import { parseSuperblock, type ExtSuperblock } from '../../../../recovery/filesystems/ext/ext-superblock.js';
import { extUsedBlocks } from '../../../../recovery/filesystems/ext/ext-used-blocks.js';

const fixtures = path.join(import.meta.dirname, '../../../fixtures/hostile/ext');

function image(name: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(path.join(fixtures, `${name}.img.gz`))));
}

function superblockOf(bytes: Uint8Array): ExtSuperblock {
  const sb = parseSuperblock(bytes.subarray(1024, 2048));
  if (sb === null) throw new Error('fixture has no superblock');
  return sb;
}

function runsOf(sb: ExtSuperblock, group: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  forEachSuperAndDescriptorRun(sb, group, (start, count) => runs.push([start, count]));
  return runs;
}

describe('ext2, ext3 or ext4, decided as libblkid does', () => {
  const FILETYPE = 0x2;
  const SPARSE_LARGE = 0x1 | 0x2;
  const JOURNAL = 0x4;
  const cases: Array<[string, { compat: number; incompat: number; roCompat: number }, string]> = [
    ['no journal, ext2 features only', { compat: 0, incompat: FILETYPE, roCompat: SPARSE_LARGE }, 'ext2'],
    ['meta_bg is an ext2 feature', { compat: 0, incompat: FILETYPE | 0x10, roCompat: SPARSE_LARGE }, 'ext2'],
    ['a journal', { compat: JOURNAL, incompat: FILETYPE, roCompat: SPARSE_LARGE | 0x4 }, 'ext3'],
    ['a journal needing recovery', { compat: JOURNAL, incompat: FILETYPE | 0x4, roCompat: SPARSE_LARGE }, 'ext3'],
    ['extents, without a journal', { compat: 0, incompat: FILETYPE | 0x40, roCompat: SPARSE_LARGE }, 'ext4'],
    ['flex_bg', { compat: JOURNAL, incompat: FILETYPE | 0x200, roCompat: SPARSE_LARGE }, 'ext4'],
    ['64bit', { compat: JOURNAL, incompat: FILETYPE | 0x80, roCompat: SPARSE_LARGE }, 'ext4'],
    ['huge_file', { compat: JOURNAL, incompat: FILETYPE, roCompat: SPARSE_LARGE | 0x8 }, 'ext4'],
    ['gdt_csum', { compat: JOURNAL, incompat: FILETYPE, roCompat: SPARSE_LARGE | 0x10 }, 'ext4'],
    ['dir_nlink', { compat: 0, incompat: FILETYPE, roCompat: SPARSE_LARGE | 0x20 }, 'ext4'],
    ['metadata_csum', { compat: JOURNAL, incompat: FILETYPE, roCompat: SPARSE_LARGE | 0x400 }, 'ext4'],
    ['a feature from the future', { compat: 0, incompat: FILETYPE | 0x100000, roCompat: SPARSE_LARGE }, 'ext4'],
  ];
  for (const [name, features, type] of cases) it(`${name}: ${type}`, () => expect(extType(features)).toBe(type));
});

describe('ext dirty reasons', () => {
  it('names every reason that applies, and none for a clean filesystem', () => {
    expect(extDirtyReason({ incompat: 0, state: 1 })).toBeNull();
    expect(extDirtyReason({ incompat: 0x4, state: 1 })).toBe('needs journal recovery');
    expect(extDirtyReason({ incompat: 0, state: 0 })).toBe('not cleanly unmounted');
    expect(extDirtyReason({ incompat: 0, state: 3 })).toBe('errors recorded');
    expect(extDirtyReason({ incompat: 0x4, state: 2 })).toBe('needs journal recovery, not cleanly unmounted, errors recorded');
  });
});

describe('where superblock and descriptor copies live', () => {
  const sb = superblockOf(image('base-ext4'));

  it('sparse_super: groups 0, 1 and powers of 3, 5 and 7', () => {
    const groups = Array.from({ length: 400 }, (_, g) => g).filter((g) => hasSuperblock(sb, g));
    expect(groups).toEqual([0, 1, 3, 5, 7, 9, 25, 27, 49, 81, 125, 243, 343]);
  });

  it('sparse_super2: group 0 and the two groups the superblock names', () => {
    const two = { ...sb, compat: sb.compat | 0x200, backupGroups: [1, 37] as [number, number] };
    expect(Array.from({ length: 100 }, (_, g) => g).filter((g) => hasSuperblock(two, g))).toEqual([0, 1, 37]);
  });

  it('without sparse_super: every group', () => {
    const every = { ...sb, roCompat: sb.roCompat & ~0x1 };
    expect(Array.from({ length: 10 }, (_, g) => g).every((g) => hasSuperblock(every, g))).toBe(true);
  });

  it('1 KiB blocks: block 0 and the superblock, descriptors and reserved blocks of backup groups', () => {
    const grown = { ...sb, reservedGdtBlocks: 5 };
    expect(runsOf(grown, 0)).toEqual([
      [1, 1],
      [0, 1],
      [2, 6],
    ]);
    expect(runsOf(grown, 1)).toEqual([
      [257, 1],
      [258, 6],
    ]);
    expect(runsOf(grown, 2)).toEqual([]);
  });

  it('meta_bg: one descriptor block per meta group, in its groups 0, 1 and last', () => {
    // 1 KiB blocks of 64-byte descriptors: 16 groups per meta group; 64 groups, meta_bg from block 1.
    const meta = { ...sb, incompat: sb.incompat | 0x10, groupCount: 64, descBlocks: 4, firstMetaBg: 1, blocksCount: 64 * 256 + 1 };
    expect(descriptorBlockLocation(meta, 0)).toBe(2);
    expect(descriptorBlockLocation(meta, 1)).toBe(1 + 16 * 256 + 0); // group 16 has no superblock backup
    expect(descriptorBlockLocation(meta, 2)).toBe(1 + 32 * 256 + 0);
    expect(runsOf(meta, 0)).toEqual([
      [1, 1],
      [0, 1],
      [2, 1],
    ]);
    expect(runsOf(meta, 1)).toEqual([
      [257, 1],
      [258, 1],
    ]); // before first_meta_bg: the old-style copy
    expect(runsOf(meta, 16)).toEqual([[1 + 16 * 256, 1]]);
    expect(runsOf(meta, 17)).toEqual([[1 + 17 * 256, 1]]);
    expect(runsOf(meta, 25)).toEqual([[1 + 25 * 256, 1]]); // a backup superblock, but not a descriptor group
    expect(runsOf(meta, 31)).toEqual([[1 + 31 * 256, 1]]);
    expect(runsOf(meta, 49)).toEqual([
      [1 + 49 * 256, 1],
      [2 + 49 * 256, 1],
    ]); // both: second group of meta group 3
  });
});

describe('BLOCK_UNINIT is believed only with a valid descriptor checksum', () => {
  for (const name of ['base-ext4', 'base-uninit-bg']) {
    it(`${name}: every stored descriptor checksum is the one we compute`, () => {
      const bytes = image(name);
      const sb = superblockOf(bytes);
      for (let group = 0; group < sb.groupCount; group++) {
        const descriptor = bytes.subarray(2048 + group * sb.descSizeBytes, 2048 + (group + 1) * sb.descSizeBytes);
        expect(descriptorChecksumValid(sb, group, descriptor)).toBe(true);
      }
    });

    it(`${name}: a BLOCK_UNINIT flag with a wrong checksum is ignored, with a right one obeyed`, async () => {
      const bytes = image(name);
      const sb = superblockOf(bytes);
      const group0 = bytes.subarray(2048, 2048 + sb.descSizeBytes);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const original = await extUsedBlocks(bufferSource(bytes));
      expect(original.used.totalBlocks).toBe(71);

      view.setUint16(2048 + 0x12, view.getUint16(2048 + 0x12, true) | 0x2, true);
      expect(descriptorChecksumValid(sb, 0, group0)).toBe(false);
      expect((await extUsedBlocks(bufferSource(bytes))).used.toJSON()).toEqual(original.used.toJSON());

      // Now the flag is believed: group 0's files vanish and only its metadata remains.
      view.setUint16(2048 + 0x1e, descriptorChecksum(sb, 0, group0), true);
      const trusted = await extUsedBlocks(bufferSource(bytes));
      expect(trusted.used.totalBlocks).toBeLessThan(71);
      expect(trusted.used.has(1)).toBe(true);
      expect(trusted.used.has(66)).toBe(false);
    });
  }
});

describe('bigalloc maps clusters to blocks', () => {
  it('every block of a used 4-block cluster is used, and the map is in 1 KiB blocks (dumpe2fs: free 76-1023)', async () => {
    const map = await extUsedBlocks(bufferSource(image('base-bigalloc')));
    expect(map.blockSizeBytes).toBe(1024);
    expect(map.totalBlocks).toBe(1024);
    expect(map.used.toJSON()).toEqual([[0, 76]]);
  });
});
