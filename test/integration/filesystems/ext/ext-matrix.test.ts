import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { extProber, extUsedBlocks } from '../../../../recovery/filesystems/ext/index.js';
import { Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { blkidView, dumpView, fillWithFiles, imageSource, partcloneView } from './ext-oracles.js';

const MiB = 1024 * 1024;

/**
 * How partclone's map relates to ours for a row:
 * - 'same': block for block identical (also with uninit_bg: partclone 0.3.23 logs BLOCK_UNINIT
 *   groups but takes libext2fs' bitmap for them, which marks their superblock and descriptor
 *   backups, as we do).
 * - 'counts-clusters': partclone 0.3.23 refuses bigalloc: it walks the cluster bitmap as if each
 *   bit were a block and then finds its free count wrong, per group ("bitmap error at 0 group")
 *   or in total ("bitmap free count err, partclone get free:F but extfs get B"). In the second
 *   form F is free clusters and B free blocks; we assert F x blocks-per-cluster = B = our free
 *   blocks. dumpe2fs is the block-for-block oracle for these rows.
 */
type PartcloneRule = 'same' | 'counts-clusters';

interface Row {
  name: string;
  mkfs: 'mkfs.ext2' | 'mkfs.ext3' | 'mkfs.ext4';
  args: string[];
  type: 'ext2' | 'ext3' | 'ext4';
  partclone: PartcloneRule;
  /** The row exists to cover BLOCK_UNINIT groups that hold superblock backups. */
  uninitBackups?: true;
}

const rows: Row[] = [
  { name: 'ext2', mkfs: 'mkfs.ext2', args: [], type: 'ext2', partclone: 'same' },
  { name: 'ext3', mkfs: 'mkfs.ext3', args: [], type: 'ext3', partclone: 'same' },
  { name: 'ext4 defaults with 4 KiB blocks (-T default, 4 groups)', mkfs: 'mkfs.ext4', args: ['-T', 'default', '-g', '4096'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 with 1 KiB blocks', mkfs: 'mkfs.ext4', args: ['-b', '1024'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 64bit without flex_bg', mkfs: 'mkfs.ext4', args: ['-O', '64bit,^flex_bg'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 meta_bg (128 groups, 8 meta groups)', mkfs: 'mkfs.ext4', args: ['-O', 'meta_bg,^resize_inode', '-g', '512'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 32-bit descriptors, meta_bg', mkfs: 'mkfs.ext4', args: ['-O', '^64bit,meta_bg,^resize_inode', '-g', '256'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 sparse_super2', mkfs: 'mkfs.ext4', args: ['-O', 'sparse_super2'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 without sparse_super', mkfs: 'mkfs.ext4', args: ['-O', '^sparse_super,^resize_inode'], type: 'ext4', partclone: 'same' },
  { name: 'ext4 uninit_bg (gdt_csum)', mkfs: 'mkfs.ext4', args: ['-O', '^metadata_csum,uninit_bg'], type: 'ext4', partclone: 'same', uninitBackups: true },
  {
    name: 'ext4 bigalloc, 1 KiB blocks in 2 KiB clusters',
    mkfs: 'mkfs.ext4',
    args: ['-b', '1024', '-O', 'bigalloc', '-C', '2048'],
    type: 'ext4',
    partclone: 'counts-clusters',
  },
  {
    name: 'ext4 bigalloc, 4 KiB blocks in 16 KiB clusters',
    mkfs: 'mkfs.ext4',
    args: ['-b', '4096', '-O', 'bigalloc', '-C', '16384'],
    type: 'ext4',
    partclone: 'counts-clusters',
  },
];

describeWith(
  ['root', 'loop-devices', 'tool:partclone.extfs', 'tool:dumpe2fs', 'tool:blkid', 'tool:mkfs.ext4'],
  'ext2/3/4 used blocks match partclone, dumpe2fs and blkid',
  () => {
    let scratch: Scratch;
    beforeAll(async () => {
      scratch = await Scratch.create();
    });
    afterAll(async () => scratch.cleanup());

    for (const [index, row] of rows.entries()) {
      it(`${row.name}: type, label, UUID, size and every used block agree`, async () => {
        const image = await scratch.sparseFile(`ext-${index}.img`, 64 * MiB);
        const label = `lb-row-${index}`;
        await execa(row.mkfs, ['-q', '-F', '-L', label, ...row.args, image]);
        await fillWithFiles(scratch, image, String(index));

        const { source, close } = await imageSource(image);
        try {
          const info = await extProber.probe(source);
          const map = await extUsedBlocks(source, info!);
          const blkid = await blkidView(image);
          const dump = await dumpView(image);

          expect(info).toMatchObject({
            type: row.type,
            label,
            uuid: blkid.get('UUID'),
            version: blkid.get('VERSION'),
            blockSizeBytes: Number(blkid.get('BLOCK_SIZE')),
            sizeBytes: dump.blocksCount * dump.blockSizeBytes,
            usedBytes: (dump.blocksCount - dump.freeBlocks) * dump.blockSizeBytes,
            dirty: false,
            dirtyReason: null,
          });
          expect(blkid.get('TYPE')).toBe(row.type);
          expect(blkid.get('LABEL')).toBe(label);

          // dumpe2fs (libext2fs' reading of the bitmaps, with BLOCK_UNINIT groups filled in) is the
          // block-for-block oracle for every row.
          expect(map.blockSizeBytes).toBe(dump.blockSizeBytes);
          expect(map.totalBlocks).toBe(dump.blocksCount);
          expect(map.used.toJSON()).toEqual(dump.used.toJSON());
          // The superblock's count agrees with the bitmaps (df-style numbers would not: they leave out metadata).
          expect(map.used.totalBlocks).toBe(dump.blocksCount - dump.freeBlocks);

          if (row.uninitBackups) {
            const uninit = dump.groups.filter((group) => group.flags.includes('BLOCK_UNINIT') && group.superAndDescriptorBlocks > 0);
            expect(uninit.length).toBeGreaterThan(0);
          }

          const partclone = await partcloneView(image, scratch.dir);
          if ('refusal' in partclone) {
            expect(row.partclone).toBe('counts-clusters');
            expect(partclone.refusal).toMatch(/bitmap error at \d+ group|bitmap free count err/);
            const counts = /get free:(\d+) but extfs get (\d+)/.exec(partclone.refusal);
            if (counts) {
              const clusterBlocks = Number(dump.header.get('Cluster size')) / dump.blockSizeBytes;
              expect(Number(counts[1]) * clusterBlocks).toBe(Number(counts[2]));
              expect(Number(counts[2])).toBe(map.totalBlocks - map.used.totalBlocks);
            }
            const said = /extfsclone\.c: (.*)/.exec(partclone.refusal)?.[1] ?? 'refused';
            process.stdout.write(
              `ext matrix | ${row.name} | ours ${map.used.totalBlocks} | partclone: ${said} | dumpe2fs ${dump.blocksCount - dump.freeBlocks} | block ${map.blockSizeBytes}\n`,
            );
            return;
          }
          expect(row.partclone).toBe('same');
          expect(partclone.blockSizeBytes).toBe(map.blockSizeBytes);
          expect(partclone.totalBlocks).toBe(map.totalBlocks);
          expect(partclone.usedBySuperblock * partclone.blockSizeBytes).toBe(info!.usedBytes);
          expect(map.used.totalBlocks).toBe(partclone.usedByBitmap);
          expect(map.used.toJSON()).toEqual(partclone.used.toJSON());
          process.stdout.write(
            `ext matrix | ${row.name} | ours ${map.used.totalBlocks} | partclone ${partclone.usedByBitmap} | dumpe2fs ${dump.blocksCount - dump.freeBlocks} | block ${map.blockSizeBytes}\n`,
          );
        } finally {
          await close();
        }
      });
    }
  },
);
