/**
 * exFAT volumes made by mkfs.exfat and filled (with deletions) through exfat-fuse: the used-sector
 * map equals partclone.exfat's bitmap given its one known rule (it never looks at the heap's last
 * two clusters, see partcloneExfatMap), the used-cluster count equals dump.exfat's, and type,
 * version, label and UUID equal blkid's. A full volume shows the difference; the others have none.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { sectorSource, type ByteSource } from '../../../../recovery/core/byte-source.js';
import { openImageFile } from '../../../../recovery/disks/open-disk.js';
import { exfatProber, exfatUsedBlocks, readExfatGeometry } from '../../../../recovery/filesystems/exfat/index.js';
import type { FilesystemInfo, UsedBlockMap } from '../../../../recovery/filesystems/filesystem-types.js';
import { useScratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { fillExfat, populateExfat } from '../fat/fat-content.js';
import { blkidTags, clipped, dumpExfatClusters, MiB, partcloneExfatMap, partcloneView } from '../fat/fat-oracles.js';

async function withImage<T>(image: string, body: (source: ByteSource) => Promise<T>): Promise<T> {
  const disk = await openImageFile(image);
  try {
    return await body(sectorSource(disk));
  } finally {
    await disk.close();
  }
}

async function analyse(image: string) {
  return withImage(image, async (source) => {
    const info = (await exfatProber.probe(source)) as FilesystemInfo;
    const map: UsedBlockMap = await exfatUsedBlocks(source, info);
    return { info, map, geometry: (await readExfatGeometry(source))! };
  });
}

const rows = [
  { name: '64 MiB, 4 KiB clusters (default)', sizeMiB: 64, mkfs: [], label: 'Default64' },
  { name: '64 MiB, 64 KiB clusters', sizeMiB: 64, mkfs: ['-c', '64K'], label: 'BigClusters' },
  { name: '64 MiB, 512-byte clusters (a 16 KiB bitmap over 32 clusters)', sizeMiB: 64, mkfs: ['-c', '512'], label: 'Small' },
];

describeWith(
  ['root', 'loop-devices', 'fuse', 'tool:mkfs.exfat', 'tool:mount.exfat-fuse', 'tool:dump.exfat', 'tool:partclone.exfat', 'tool:blkid'],
  'exFAT matrix against partclone.exfat, dump.exfat and blkid',
  () => {
    const scratch = useScratch();

    /** The checks every row makes; returns partclone's view for row-specific ones. */
    async function compare(image: string) {
      const { info, map, geometry } = await analyse(image);
      expect(info).toMatchObject({ type: 'exfat', dirty: false, sizeBytes: geometry.volumeLengthSectors * geometry.bytesPerSector });
      expect({ type: info.type, version: info.version, uuid: info.uuid, label: info.label ?? undefined }).toEqual(await blkidTags(image));
      expect(info.usedBytes).toBe(map.used.totalBlocks * map.blockSizeBytes);

      const dump = await dumpExfatClusters(image);
      expect(geometry.clusterCount).toBe(dump.total);
      expect((map.used.totalBlocks - geometry.clusterHeapOffsetSectors) / geometry.sectorsPerCluster).toBe(dump.used);

      const partclone = await partcloneView('exfat', image, scratch().dir);
      if ('refusal' in partclone) throw new Error(`partclone.exfat refused a clean volume:\n${partclone.refusal}`);
      expect(map.blockSizeBytes).toBe(partclone.blockSizeBytes);
      expect(partclone.totalBlocks).toBe(geometry.volumeLengthSectors);
      const ours = clipped(map, partclone.totalBlocks);
      expect(ours.beyond).toBe(0);
      const expected = partcloneExfatMap(map, {
        heapSector: geometry.clusterHeapOffsetSectors,
        sectorsPerCluster: geometry.sectorsPerCluster,
        clusterCount: geometry.clusterCount,
        volumeSectors: geometry.volumeLengthSectors,
      });
      expect(partclone.used.toJSON()).toEqual(expected.toJSON());
      return { map, geometry, partclone, ours: ours.inside };
    }

    for (const row of rows) {
      it(`${row.name}: used sectors, version, label and UUID`, async () => {
        const image = await scratch().sparseFile('exfat.img', row.sizeMiB * MiB);
        await execa('mkfs.exfat', [...row.mkfs, '-L', row.label, image]);
        await populateExfat(scratch(), image);
        const { map, geometry, partclone, ours } = await compare(image);
        // Files are allocated from the front of the heap, so the last two clusters are free and
        // partclone's rule changes nothing: the bitmaps are identical.
        expect(map.used.has(geometry.clusterHeapOffsetSectors + (geometry.clusterCount - 1) * geometry.sectorsPerCluster)).toBe(false);
        expect(ours.toJSON()).toEqual(partclone.used.toJSON());
        expect(map.used.totalBlocks).toBe(partclone.usedByBitmap);
        expect(map.used.length).toBeGreaterThan(1);
      });
    }

    it("a full 16 MiB volume: partclone misses exactly the heap's last cluster, Lifeboat keeps it", async () => {
      const image = await scratch().sparseFile('full.img', 16 * MiB);
      await execa('mkfs.exfat', [image]);
      await fillExfat(scratch(), image);
      const { map, geometry, partclone } = await compare(image);
      expect((await dumpExfatClusters(image)).used).toBe(geometry.clusterCount);
      const lastCluster = geometry.clusterHeapOffsetSectors + (geometry.clusterCount - 1) * geometry.sectorsPerCluster;
      expect(map.used.totalBlocks).toBe(geometry.volumeLengthSectors);
      expect(partclone.usedByBitmap).toBe(map.used.totalBlocks - geometry.sectorsPerCluster);
      expect(partclone.used.has(lastCluster)).toBe(false);
      expect(map.used.has(lastCluster)).toBe(true);
    });

    describe('dirty and labels', () => {
      it('VolumeDirty: partclone warns "volume was not unmounted cleanly", Lifeboat says dirty', async () => {
        const image = await scratch().sparseFile('dirty.img', 64 * MiB);
        await execa('mkfs.exfat', [image]);
        const clean = await partcloneView('exfat', image, scratch().dir);
        expect('output' in clean && clean.output).not.toContain('not unmounted cleanly');
        await execa('sh', ['-c', 'printf "\\002" | dd of="$0" bs=1 seek=106 conv=notrunc 2>/dev/null', image]);
        const dirty = await partcloneView('exfat', image, scratch().dir);
        expect('output' in dirty && dirty.output).toContain('volume was not unmounted cleanly');
        expect((await analyse(image)).info).toMatchObject({ dirty: true, dirtyReason: 'the volume dirty flag is set (not cleanly unmounted)' });
      });

      it('labels in UTF-16 (accents, a symbol, trailing spaces) and no label, as blkid prints them', async () => {
        const image = await scratch().sparseFile('label.img', 64 * MiB);
        await execa('mkfs.exfat', [image]);
        expect((await analyse(image)).info.label).toBeNull();
        expect((await blkidTags(image)).label).toBeUndefined();
        for (const label of ['Grüße ✓  ', 'ÆØÅ äöü', 'ELEVENCHARS']) {
          await execa('exfatlabel', [image, label]);
          const ours = (await analyse(image)).info.label;
          expect(ours).toBe(label.trimEnd());
          expect(ours).toBe((await blkidTags(image)).label);
        }
      });
    });
  },
);
