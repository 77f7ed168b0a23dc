import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { sectorSource } from '../../../../recovery/core/byte-source.js';
import { openImageFile } from '../../../../recovery/disks/open-disk.js';
import type { FilesystemInfo, UsedBlockMap } from '../../../../recovery/filesystems/filesystem-types.js';
import { ATTRIBUTE_LIST, attributesOf } from '../../../../recovery/filesystems/ntfs/ntfs-attributes.js';
import { ntfsProber } from '../../../../recovery/filesystems/ntfs/ntfs-probe.js';
import { ntfsUsedClusters } from '../../../../recovery/filesystems/ntfs/ntfs-used-clusters.js';
import { NtfsVolume } from '../../../../recovery/filesystems/ntfs/ntfs-volume.js';
import { seededRandom } from '../../../helpers/fuzz.js';
import { Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { blkidTag, mergeRuns, NtfsMount, ntfsinfoMftRuns, partcloneMap } from './ntfs-oracles.js';

const MiB = 1024 * 1024;

interface Analysis {
  info: FilesystemInfo;
  map: UsedBlockMap;
  mftRuns: NtfsVolume['mftRuns'];
  mftHasAttributeList: boolean;
}

async function analyse(image: string): Promise<Analysis> {
  const disk = await openImageFile(image);
  try {
    const source = sectorSource(disk);
    const info = await ntfsProber.probe(source);
    if (info === null) throw new Error(`${image} was not recognised as NTFS`);
    const map = await ntfsUsedClusters(source, info);
    const volume = await NtfsVolume.open(source);
    const mftHasAttributeList = attributesOf(await volume.readRecord(0)).some((a) => a.type === ATTRIBUTE_LIST);
    return { info, map, mftRuns: volume.mftRuns, mftHasAttributeList };
  } finally {
    await disk.close();
  }
}

/** Files of seeded random sizes in a few directories, then every third one deleted. */
async function fillWithFiles(dir: string, seed: number, count: number, maxBytes: number): Promise<void> {
  const random = seededRandom(seed);
  const content = Buffer.alloc(maxBytes, 0x5a);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `dir${i % 5}`);
    await mkdir(sub, { recursive: true });
    const name = path.join(sub, `file${i}.bin`);
    await writeFile(name, content.subarray(0, Math.floor(random() * maxBytes)));
    names.push(name);
  }
  for (let i = 0; i < names.length; i += 3) await rm(names[i] ?? '');
}

/**
 * Forces $MFT into many fragments: 8 KiB files, a filler that takes all remaining space (so
 * the MFT zone is used up), every other 8 KiB file deleted, then thousands of tiny files whose
 * MFT records must go into those holes. Enough fragments make ntfs-3g move $MFT's runs into
 * extension records listed by an $ATTRIBUTE_LIST.
 */
async function fragmentMft(dir: string, holes: number, smallFiles: number): Promise<void> {
  const eightKiB = Buffer.alloc(8192, 0xa5);
  await mkdir(path.join(dir, 'holes'));
  for (let i = 0; i < holes * 2; i++) await writeFile(path.join(dir, 'holes', `h${i}`), eightKiB);
  await execa('sh', ['-c', `cat /dev/zero > '${path.join(dir, 'filler')}'`], { reject: false });
  for (let i = 0; i < holes * 2; i += 2) await rm(path.join(dir, 'holes', `h${i}`));
  await mkdir(path.join(dir, 'small'));
  for (let i = 0; i < smallFiles; i++) await writeFile(path.join(dir, 'small', `s${i}`), `small file ${i}\n`);
}

/** The oracle's used blocks plus the one block Lifeboat adds, as sorted [start, count] runs. */
function withBlock(runs: Array<[number, number]>, block: number): Array<[number, number]> {
  const all = [...runs.map(([s, c]): [number, number] => [s, c]), [block, 1] as [number, number]].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, count] of all) {
    const last = merged.at(-1);
    if (last && start <= last[0] + last[1]) last[1] = Math.max(last[1], start + count - last[0]);
    else merged.push([start, count]);
  }
  return merged;
}

const rows = [
  {
    file: 'c512',
    name: '512-byte clusters',
    clusterBytes: 512,
    sectorBytes: 512,
    sizeBytes: 64 * MiB,
    label: 'Small512',
    files: 300,
    maxFileBytes: 256 * 1024,
  },
  {
    file: 'c4k',
    name: '4 KiB clusters, non-ASCII label',
    clusterBytes: 4096,
    sectorBytes: 512,
    sizeBytes: 96 * MiB,
    label: 'Día été 4K',
    files: 300,
    maxFileBytes: 512 * 1024,
  },
  {
    file: 'c64k',
    name: '64 KiB clusters',
    clusterBytes: 65536,
    sectorBytes: 512,
    sizeBytes: 128 * MiB,
    label: 'Big64K',
    files: 200,
    maxFileBytes: 1024 * 1024,
  },
  {
    file: 'nolabel',
    name: '4 KiB clusters, no label',
    clusterBytes: 4096,
    sectorBytes: 512,
    sizeBytes: 64 * MiB,
    label: null,
    files: 100,
    maxFileBytes: 256 * 1024,
  },
  {
    file: 's4k',
    name: '4096-byte sectors (4 KiB MFT records)',
    clusterBytes: 4096,
    sectorBytes: 4096,
    sizeBytes: 64 * MiB,
    label: 'FourKn',
    files: 200,
    maxFileBytes: 256 * 1024,
  },
];

describeWith(
  ['root', 'fuse', 'tool:mkntfs', 'tool:ntfs-3g', 'tool:partclone.ntfs', 'tool:blkid', 'tool:ntfsinfo'],
  'NTFS probe and used clusters against partclone and blkid',
  () => {
    /**
     * Runs the matrix checks on one image. partclone maps the volume's clusters only; Lifeboat's
     * map covers the whole partition and adds the block holding the backup boot sector (the
     * partition's last sector, just past the volume), so it is partclone's set plus that block.
     */
    async function expectAgreement(image: string, scratch: Scratch, clusterBytes: number, label: string | null): Promise<Analysis> {
      const ours = await analyse(image);
      const partclone = await partcloneMap(image, scratch.dir);
      const imageBytes = (await stat(image)).size;
      const backupBlock = Math.ceil(imageBytes / clusterBytes) - 1;

      expect(ours.info.type).toBe(await blkidTag(image, 'TYPE'));
      expect(ours.info.label).toBe(await blkidTag(image, 'LABEL'));
      expect(ours.info.label).toBe(label);
      expect(ours.info.uuid).toBe(await blkidTag(image, 'UUID'));
      expect(ours.info.blockSizeBytes).toBe(partclone.blockSizeBytes);
      expect(ours.info.sizeBytes).toBe(imageBytes);
      expect(ours.info.usedBytes).toBe(partclone.usedBlocks * clusterBytes);
      expect(ours.info.dirty).toBe(false);

      expect(ours.map.blockSizeBytes).toBe(clusterBytes);
      expect(ours.map.totalBlocks).toBe(Math.ceil(imageBytes / clusterBytes));
      expect(partclone.totalBlocks).toBe(ours.map.totalBlocks - 1);
      expect(backupBlock).toBe(partclone.totalBlocks);
      expect(ours.map.used.totalBlocks).toBe(partclone.usedBlocks + 1);
      expect(ours.map.used.toJSON()).toEqual(withBlock(partclone.usedRuns, backupBlock));
      expect(mergeRuns(ours.mftRuns)).toEqual(mergeRuns(await ntfsinfoMftRuns(image)));
      process.stdout.write(
        `${path.basename(image)}: ours ${ours.map.used.totalBlocks} used of ${ours.map.totalBlocks} blocks, partclone ${partclone.usedBlocks} of ${partclone.totalBlocks}; $MFT in ${ours.mftRuns.length} runs\n`,
      );
      return ours;
    }

    for (const row of rows) {
      it(`agrees on a filled volume with ${row.name}`, async () => {
        const scratch = await Scratch.create();
        let mount: NtfsMount | null = null;
        try {
          const image = await scratch.sparseFile(`ntfs-${row.file}.img`, row.sizeBytes);
          const mkntfsArgs = ['-Q', '-F', '-s', String(row.sectorBytes), '-c', String(row.clusterBytes), ...(row.label ? ['-L', row.label] : [])];
          await execa('mkntfs', [...mkntfsArgs, image], { env: { LC_ALL: 'C.UTF-8' } });
          mount = await NtfsMount.mount(image, path.join(scratch.dir, 'mnt'));
          await fillWithFiles(mount.dir, row.clusterBytes, row.files, row.maxFileBytes);
          await mount.unmount();
          mount = null;
          await expectAgreement(image, scratch, row.clusterBytes, row.label);
        } finally {
          await mount?.forceUnmount();
          await scratch.cleanup();
        }
      });
    }

    it('agrees on a volume whose $MFT is fragmented into extension records', async () => {
      const scratch = await Scratch.create();
      let mount: NtfsMount | null = null;
      try {
        const image = await scratch.sparseFile('ntfs-fragmented.img', 64 * MiB);
        await execa('mkntfs', ['-Q', '-F', '-c', '4096', '-L', 'Fragmented', image]);
        mount = await NtfsMount.mount(image, path.join(scratch.dir, 'mnt'));
        await fragmentMft(mount.dir, 1500, 9000);
        await mount.unmount();
        mount = null;
        const ours = await expectAgreement(image, scratch, 4096, 'Fragmented');
        expect(ours.mftRuns.length).toBeGreaterThan(100);
        expect(ours.mftHasAttributeList).toBe(true);
      } finally {
        await mount?.forceUnmount();
        await scratch.cleanup();
      }
    });

    it('reports the volume dirty flag that ntfsfix sets and ntfsfix -d clears', async () => {
      const scratch = await Scratch.create();
      try {
        const image = await scratch.sparseFile('ntfs-dirty.img', 64 * MiB);
        await execa('mkntfs', ['-Q', '-F', '-L', 'Dirty', image]);
        // ntfsfix schedules a Windows consistency check, which is the dirty flag; ntfs-3g's tools then refuse the volume.
        await execa('ntfsfix', [image]);
        const refused = await execa('ntfsinfo', ['-m', image], { reject: false });
        expect(refused.exitCode).not.toBe(0);
        expect(refused.stderr + refused.stdout).toMatch(/scheduled for check/);
        expect((await execa('ntfsinfo', ['-f', '-m', image])).stdout).toMatch(/Volume Flags:\s+0x0001 DIRTY/);
        const dirty = await analyse(image);
        expect(dirty.info.dirty).toBe(true);
        expect(dirty.info.dirtyReason).toBe('volume dirty flag set');

        await execa('ntfsfix', ['-d', image]);
        const clean = await analyse(image);
        expect(clean.info.dirty).toBe(false);
        expect(clean.info.dirtyReason).toBeNull();
        expect(clean.map.used.toJSON()).toEqual(dirty.map.used.toJSON());
      } finally {
        await scratch.cleanup();
      }
    });
  },
);
