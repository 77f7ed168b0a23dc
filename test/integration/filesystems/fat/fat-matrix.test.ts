/**
 * FAT12, FAT16 and FAT32 volumes made by mkfs.fat and filled (with deletions) by mtools: the
 * used-sector map equals partclone.fat's bitmap sector for sector, the used-cluster count equals
 * fsck.fat's, and type, version, label and UUID equal blkid's. The one known difference, FAT12,
 * is checked to be exactly partclone's FAT12 decoding rule (see partcloneFat12Map).
 */
import { readFile, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { sectorSource } from '../../../../recovery/core/byte-source.js';
import { openImageFile } from '../../../../recovery/disks/open-disk.js';
import { fatProber, fatUsedBlocks, readFatGeometry } from '../../../../recovery/filesystems/fat/index.js';
import { Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { populateFat } from './fat-content.js';
import { blkidTags, clipped, fsckFatClusters, MiB, partcloneFat12Map, partcloneView } from './fat-oracles.js';

interface Row {
  name: string;
  sizeMiB: number;
  mkfs: string[];
  label?: string;
  /** Shrinks the file tree for small volumes. */
  scale?: number;
  /** mtools refuses FAT32 volumes with fewer than 65525 clusters; such a row stays empty. */
  populate?: boolean;
  /** partclone.fat misreads FAT12: compare with its rule instead of sector for sector. */
  fat12?: boolean;
}

const rows: Row[] = [
  { name: 'FAT12, 4 MiB, 2 KiB clusters', sizeMiB: 4, mkfs: ['-F', '12'], label: 'SMALL12', scale: 0.5, fat12: true },
  { name: 'FAT16, 32 MiB, 2 KiB clusters', sizeMiB: 32, mkfs: ['-F', '16'], label: 'MEDIUM16' },
  { name: 'FAT16, 32 MiB, 4096-byte logical sectors', sizeMiB: 32, mkfs: ['-F', '16', '-S', '4096', '-s', '1'], label: 'SECTOR4K' },
  { name: 'FAT32, 64 MiB, 512-byte clusters', sizeMiB: 64, mkfs: ['-F', '32'], label: 'LARGE32' },
  { name: 'FAT32, 288 MiB, 4 KiB clusters (-s 8)', sizeMiB: 288, mkfs: ['-F', '32', '-s', '8'] },
  { name: 'FAT32 layout with only 16348 clusters (blkid and the kernel say FAT32)', sizeMiB: 64, mkfs: ['-F', '32', '-s', '8'], populate: false },
];

describeWith(
  ['tool:mkfs.fat', 'tool:mcopy', 'tool:fsck.fat', 'tool:partclone.fat', 'tool:blkid'],
  'FAT matrix against partclone.fat, fsck.fat and blkid',
  () => {
    let scratch: Scratch;
    beforeEach(async () => {
      scratch = await Scratch.create();
    });
    afterEach(async () => scratch.cleanup());

    for (const row of rows) {
      it(`${row.name}: used sectors, version, label and UUID`, async () => {
        const image = await scratch.sparseFile('fat.img', row.sizeMiB * MiB);
        await execa('mkfs.fat', [...row.mkfs, ...(row.label ? ['-n', row.label] : []), image]);
        if (row.populate !== false) await populateFat(image, scratch.dir, row.scale);

        const disk = await openImageFile(image);
        try {
          const source = sectorSource(disk);
          const info = await fatProber.probe(source);
          expect(info).not.toBeNull();
          const map = await fatUsedBlocks(source, info!);
          const geometry = (await readFatGeometry(source))!;

          const blkid = await blkidTags(image);
          expect({ type: info!.type, version: info!.version, uuid: info!.uuid, label: info!.label ?? undefined }).toEqual(blkid);
          if (row.label) expect(info!.label).toBe(row.label);
          expect(info!.dirty).toBe(false);

          // fsck.fat's used-cluster count: the map's sectors in the data area, in clusters.
          const fsck = await fsckFatClusters(image);
          expect(geometry.clusterCount).toBe(fsck.total);
          const tailSectors = geometry.totalSectors - geometry.dataStartSector - geometry.clusterCount * geometry.sectorsPerCluster;
          const usedClusters = (map.used.totalBlocks - geometry.dataStartSector - tailSectors) / geometry.sectorsPerCluster;
          expect(usedClusters).toBe(fsck.used);
          if (row.populate !== false) expect(usedClusters).toBeGreaterThan(20);
          expect(info!.blockSizeBytes).toBe(geometry.clusterSizeBytes);
          expect(info!.usedBytes).toBe(map.used.totalBlocks * map.blockSizeBytes);

          const partclone = await partcloneView('fat', image, scratch.dir);
          if ('refusal' in partclone) throw new Error(`partclone.fat refused a clean volume:\n${partclone.refusal}`);
          expect(map.blockSizeBytes).toBe(partclone.blockSizeBytes);
          expect(info!.sizeBytes).toBe(partclone.totalBlocks * partclone.blockSizeBytes);
          expect(map.totalBlocks).toBe((await stat(image)).size / map.blockSizeBytes);
          const ours = clipped(map, partclone.totalBlocks);
          expect(ours.beyond).toBe(0);
          if (row.fat12) {
            // partclone's map is its FAT12 rule applied to this image, exactly; ours is not (it decodes 12-bit entries).
            expect(partclone.used.toJSON()).toEqual(partcloneFat12Map(new Uint8Array(await readFile(image))).toJSON());
            expect(ours.inside.toJSON()).not.toEqual(partclone.used.toJSON());
            // Both agree on the metadata before the data area and the sectors after the last cluster.
            expect(ours.inside.start(0)).toBe(0);
            expect(partclone.used.count(0)).toBeGreaterThanOrEqual(geometry.dataStartSector);
            expect(ours.inside.count(0)).toBeGreaterThanOrEqual(geometry.dataStartSector);
            for (let s = geometry.totalSectors - tailSectors; s < geometry.totalSectors; s++) expect(partclone.used.has(s) && ours.inside.has(s)).toBe(true);
          } else {
            expect(ours.inside.toJSON()).toEqual(partclone.used.toJSON());
            expect(map.used.totalBlocks).toBe(partclone.usedByBitmap);
          }
        } finally {
          await disk.close();
        }
      });
    }
  },
);
