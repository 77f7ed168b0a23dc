/**
 * FAT dirty flags against the tools that read them (fsck.fat reads both the boot sector's bit
 * and the flag in FAT entry 1, partclone.fat only the latter), and FAT labels in every
 * arrangement against blkid.
 */
import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sectorSource } from '../../../../recovery/core/byte-source.js';
import { openImageFile } from '../../../../recovery/disks/open-disk.js';
import type { FilesystemInfo } from '../../../../recovery/filesystems/filesystem-types.js';
import { fatProber, fatUsedBlocks, readFatGeometry, type FatGeometry } from '../../../../recovery/filesystems/fat/index.js';
import { Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { populateFat } from './fat-content.js';
import { blkidTags, fsckFatClusters, MiB, partcloneView } from './fat-oracles.js';

async function probeFile(image: string): Promise<{ info: FilesystemInfo; geometry: FatGeometry; usedSectors: number }> {
  const disk = await openImageFile(image);
  try {
    const source = sectorSource(disk);
    const info = (await fatProber.probe(source))!;
    return { info, geometry: (await readFatGeometry(source))!, usedSectors: (await fatUsedBlocks(source, info)).used.totalBlocks };
  } finally {
    await disk.close();
  }
}

/** Writes `bytes` at `offset` and returns a function that puts the old bytes back. */
async function poke(image: string, offset: number, bytes: Uint8Array): Promise<() => Promise<void>> {
  const file = await open(image, 'r+');
  try {
    const old = Buffer.alloc(bytes.length);
    await file.read(old, 0, bytes.length, offset);
    await file.write(bytes, 0, bytes.length, offset);
    return async () => {
      const again = await open(image, 'r+');
      await again.write(old, 0, old.length, offset);
      await again.close();
    };
  } finally {
    await file.close();
  }
}

const u32 = (value: number) => new Uint8Array(new Uint32Array([value]).buffer);
const fatStart = (g: FatGeometry) => g.reservedSectors * g.bytesPerSector;
/** Byte offset of the root directory's first entry. */
const rootStart = (g: FatGeometry) =>
  g.version === 'FAT32'
    ? (g.dataStartSector + (g.rootCluster - 2) * g.sectorsPerCluster) * g.bytesPerSector
    : (g.reservedSectors + g.fatCount * g.sectorsPerFat) * g.bytesPerSector;

describeWith(
  ['tool:mkfs.fat', 'tool:mcopy', 'tool:fsck.fat', 'tool:partclone.fat', 'tool:blkid'],
  'FAT dirty flags and labels against fsck.fat, partclone.fat and blkid',
  () => {
    let scratch: Scratch;
    beforeEach(async () => {
      scratch = await Scratch.create();
    });
    afterEach(async () => scratch.cleanup());

    describe('dirty', () => {
      it('FAT16 boot sector dirty bit: fsck.fat says "Dirty bit is set", partclone still copies the same sectors', async () => {
        const image = await scratch.sparseFile('fat16.img', 32 * MiB);
        await execa('mkfs.fat', ['-F', '16', image]);
        await populateFat(image, scratch.dir);
        expect((await fsckFatClusters(image)).output).not.toContain('Dirty bit');
        await poke(image, 0x25, new Uint8Array([1]));
        expect((await fsckFatClusters(image)).output).toContain('Dirty bit is set');
        const { info, usedSectors } = await probeFile(image);
        expect(info).toMatchObject({ dirty: true, dirtyReason: "the boot sector's dirty bit is set (not cleanly unmounted)" });
        const partclone = await partcloneView('fat', image, scratch.dir);
        if ('refusal' in partclone) throw new Error(partclone.refusal);
        expect(usedSectors).toBe(partclone.usedByBitmap);
      });

      for (const [version, mkfs, cleared] of [
        ['FAT16', ['-F', '16'], 0xffff & ~0x8000],
        ['FAT32', ['-F', '32'], 0x0fffffff & ~0x08000000],
      ] as const) {
        it(`${version} FAT entry 1 "clean" bit clear: fsck.fat says "Dirty bit is set" and partclone refuses ("isn't in valid state")`, async () => {
          const image = await scratch.sparseFile('fat.img', 64 * MiB);
          await execa('mkfs.fat', [...mkfs, image]);
          const { geometry } = await probeFile(image);
          const entry1 = fatStart(geometry) + (version === 'FAT16' ? 2 : 4);
          await poke(image, entry1, version === 'FAT16' ? new Uint8Array([cleared & 0xff, cleared >> 8]) : u32(cleared));
          expect((await fsckFatClusters(image)).output).toContain('Dirty bit is set');
          const partclone = await partcloneView('fat', image, scratch.dir);
          expect('refusal' in partclone && partclone.refusal).toContain("Filesystem isn't in valid state");
          expect((await probeFile(image)).info).toMatchObject({ dirty: true, dirtyReason: 'FAT entry 1 says the volume was not cleanly unmounted' });
        });
      }
    });

    describe('labels', () => {
      for (const [version, mkfs, size] of [
        ['FAT16 (fixed root directory)', ['-F', '16'], 32 * MiB],
        ['FAT32 (root directory in clusters)', ['-F', '32'], 64 * MiB],
      ] as const) {
        it(`${version}: LABEL is the root directory entry, whatever the boot sector says`, async () => {
          const image = await scratch.sparseFile('fat.img', size);
          await execa('mkfs.fat', [...mkfs, '-n', 'MADE LABEL', image]);
          await populateFat(image, scratch.dir);
          const { geometry } = await probeFile(image);
          const root = rootStart(geometry);
          const bootLabelAt = geometry.version === 'FAT32' ? 0x47 : 0x2b;
          const text = (value: string) => new TextEncoder().encode(value.padEnd(11, ' '));
          const arrangements: Array<[string, Array<[number, Uint8Array]>]> = [
            ['as mkfs.fat made it', []],
            ['a different boot sector label', [[bootLabelAt, text('BOOTONLY')]]],
            ['the root entry deleted (boot label left)', [[root, new Uint8Array([0xe5])]]],
            ['the root entry reading NO NAME', [[root, text('NO NAME')]]],
            ['a NUL inside the root label', [[root, text('AB\0CD')]]],
            ['a root label of spaces', [[root, text('')]]],
          ];
          for (const [what, pokes] of arrangements) {
            const undo = [];
            for (const [offset, bytes] of pokes) undo.push(await poke(image, offset, bytes));
            const ours = (await probeFile(image)).info.label;
            expect({ what, label: ours ?? undefined }).toEqual({ what, label: (await blkidTags(image)).label });
            for (const restore of undo.reverse()) await restore();
          }
        });
      }

      it('no label given to mkfs.fat: no LABEL (the boot sector says NO NAME)', async () => {
        const image = await scratch.sparseFile('fat.img', 4 * MiB);
        await execa('mkfs.fat', ['-F', '12', image]);
        expect((await probeFile(image)).info.label).toBeNull();
        expect((await blkidTags(image)).label).toBeUndefined();
      });
    });
  },
);
