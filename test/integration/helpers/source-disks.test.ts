/**
 * The round-trip helpers checked against Debian's tools before anything relies on them: each
 * source disk has the promised table and filesystems, its filesystems pass their checkers, its
 * free space holds deleted data, the tree digest is stable, and every oracle notices a change.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { checkFilesystem, sfdiskDump, sgdiskVerify, type CheckedFs } from '../../helpers/fs-checkers.js';
import { sfdiskPartitions, useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import {
  BIOS_BOOT_TYPE,
  buildGptDisk,
  buildGrubLikeDisk,
  buildMbrDisk,
  buildMbrGapDisk,
  LONG_NAME,
  sha256OfRange,
  STALE_MARKER,
  type SourceDisk,
  type SourcePartition,
} from '../../helpers/source-disks.js';
import { compareTrees, treeDigest, type TreeDigest } from '../../helpers/tree-hash.js';
import { withMount } from '../../helpers/with-mount.js';

const MiB = 1024 * 1024;

type FsPartition = SourcePartition & { fs: CheckedFs };
const withFilesystem = (disk: SourceDisk) => disk.partitions.filter((p): p is FsPartition => p.fs !== 'none');

async function blkidType(device: string): Promise<string> {
  const { stdout } = await execa('blkid', ['-p', '-o', 'value', '-s', 'TYPE', device], { reject: false });
  return stdout.trim();
}

/** Whether the marker the deleted files carried is still somewhere in the partition's bytes. */
async function holdsStaleData(device: string): Promise<boolean> {
  return (await readFile(device)).includes(STALE_MARKER, 0, 'latin1');
}

/** The promises every populated filesystem keeps, checked in its digest. */
function expectPopulated(digest: TreeDigest): void {
  const paths = new Set(digest.entries.map((e) => e.path));
  const files = digest.entries.filter((e) => e.type === 'file');
  expect(files.length).toBeGreaterThan(250);
  expect(paths).toContain(`names/${LONG_NAME}`);
  expect(paths).toContain('deep/a/b/c/d/e/f/g/h/leaf.txt');
  expect(paths).toContain('empty-dir');
  expect(paths).not.toContain('stale/deleted-0.bin');
  expect(paths).not.toContain('tree/dir-3/sub-0/file-3.txt');
  expect(digest.entries.find((e) => e.path === 'big/random-3MiB-odd.bin')?.sizeBytes).toBe(3 * MiB + 123);
  if (digest.fs === 'vfat') return;
  expect(digest.hardlinkGroups).toContainEqual(['links/hard-1.txt', 'links/original.txt', 'tree/dir-1/hard-2.txt']);
  expect(digest.entries.find((e) => e.path === 'links/relative')).toMatchObject({ type: 'symlink', linkTarget: 'original.txt' });
  const sparse = digest.entries.find((e) => e.path === 'sparse/holes.bin');
  expect(sparse?.sizeBytes).toBe(24 * MiB);
  expect((sparse?.blocks512 ?? Infinity) * 512).toBeLessThan(MiB);
  expect(digest.entries.find((e) => e.path === 'links/original.txt')?.xattrs).toEqual({ 'user.origin': `0x${Buffer.from('hard-linked').toString('hex')}` });
  if (digest.fs === 'ext4') {
    expect(digest.entries.find((e) => e.path === 'posix/setuid-tool')?.mode).toBe('4755');
    expect(digest.entries.find((e) => e.path === 'posix/fifo')?.type).toBe('fifo');
    expect(digest.entries.find((e) => e.path === 'posix/owned-by-1000')).toMatchObject({ uid: 1000, gid: 1000 });
  }
}

/** Checker, blkid type, content, stale data and a stable digest for every filesystem of a disk. */
async function expectSoundFilesystems(disk: SourceDisk, expected: Record<number, CheckedFs | 'none'>): Promise<void> {
  expect(Object.fromEntries(disk.partitions.map((p) => [p.number, p.fs]))).toEqual(expected);
  const extents = await sfdiskPartitions(disk.file);
  for (const partition of withFilesystem(disk)) {
    const check = await checkFilesystem(partition.device, partition.fs);
    expect(check.ok, check.output).toBe(true);
    expect(await blkidType(partition.device)).toBe(partition.fs);
    expect(await holdsStaleData(partition.device)).toBe(true);
    // The disk is quiescent: the image file already holds what the partition device shows.
    const extent = extents.find((e) => e.number === partition.number)!;
    expect(await sha256OfRange(disk.file, extent.startBytes, extent.sizeBytes)).toBe(await sha256OfRange(partition.device, 0, extent.sizeBytes));
    const first = await treeDigest(partition.device, partition.fs);
    expectPopulated(first);
    expect(compareTrees(first, await treeDigest(partition.device, partition.fs))).toEqual([]);
  }
}

describeWith(
  [
    'root',
    'loop-devices',
    'fuse',
    'tool:sgdisk',
    'tool:sfdisk',
    'tool:mkfs.ext4',
    'tool:mkfs.fat',
    'tool:mkntfs',
    'tool:ntfs-3g',
    'tool:mcopy',
    'tool:mdel',
    'tool:mdir',
    'tool:e2fsck',
    'tool:fsck.fat',
    'tool:ntfsfix',
    'tool:setfattr',
    'tool:getfattr',
    'tool:blkid',
    'tool:blockdev',
    'tool:debugfs',
  ],
  'source disks and oracles for the round-trip tests',
  () => {
    const scratch = useScratch('all');
    // Built by the first test that needs it, so each test also runs alone (vitest -t).
    let built: Promise<SourceDisk> | undefined;
    const gptDisk = () => (built ??= buildGptDisk(scratch(), 'gpt.img'));

    it('builds a GPT disk whose FAT32 ESP, NTFS and ext4 pass their checkers and hold the varied tree', async () => {
      const gpt = await gptDisk();
      const verify = await sgdiskVerify(gpt.device);
      expect(verify.ok, verify.output).toBe(true);
      await expectSoundFilesystems(gpt, { 1: 'vfat', 2: 'ntfs', 3: 'ext4' });
      expect((await execa('blkid', ['-p', '-o', 'value', '-s', 'VERSION', `${gpt.device}p1`])).stdout.trim()).toBe('FAT32');
    });

    it('builds an MBR disk with a primary ext4 and an extended partition holding FAT16 and NTFS', async () => {
      const disk = await buildMbrDisk(scratch(), 'mbr.img');
      const dump = await sfdiskDump(disk.device);
      expect(dump).toMatch(/^label: dos$/m);
      expect(dump).toMatch(/^<disk>p2 : .*type=5$/m);
      await expectSoundFilesystems(disk, { 1: 'ext4', 2: 'none', 5: 'vfat', 6: 'ntfs' });
      expect((await execa('blkid', ['-p', '-o', 'value', '-s', 'VERSION', `${disk.device}p5`])).stdout.trim()).toBe('FAT16');
    });

    it('builds GRUB-like disks whose bootloader bytes outside the filesystems can be compared', async () => {
      const grub = await buildGrubLikeDisk(scratch(), 'grub.img');
      const mbrGap = await buildMbrGapDisk(scratch(), 'mbr-gap.img');
      expect((await sgdiskVerify(grub.device)).ok).toBe(true);
      expect(await sfdiskDump(grub.device)).toMatch(new RegExp(`^<disk>p1 : start=\\s*2048, size=\\s*2048, type=${BIOS_BOOT_TYPE}`, 'm'));
      expect(grub.hiddenRegions.map((r) => r.name)).toEqual(['mbr-boot-code', 'post-gpt-gap', 'bios-boot-partition']);
      expect(mbrGap.hiddenRegions.map((r) => r.name)).toEqual(['mbr-boot-code', 'post-mbr-gap']);
      for (const disk of [grub, mbrGap]) {
        await expectSoundFilesystems(disk, disk === grub ? { 1: 'none', 2: 'ext4' } : { 1: 'ext4' });
        for (const region of disk.hiddenRegions) {
          // Both through the loop device and in the file: mkfs and populate must not have touched them.
          expect(await sha256OfRange(disk.device, region.offsetBytes, region.sizeBytes), region.name).toBe(region.sha256);
          expect(await sha256OfRange(disk.file, region.offsetBytes, region.sizeBytes), region.name).toBe(region.sha256);
        }
      }
      // The MBR still holds its table after the boot code went in, and the oracle sees one changed byte.
      expect(await sfdiskDump(mbrGap.device)).toMatch(/^<disk>p1 : start=\s*2048, .*type=83, bootable$/m);
      const region = mbrGap.hiddenRegions[1]!;
      const handle = await open(mbrGap.file, 'r+');
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, region.offsetBytes + 1000);
      await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, region.offsetBytes + 1000);
      await handle.close();
      expect(await sha256OfRange(mbrGap.file, region.offsetBytes, region.sizeBytes)).not.toBe(region.sha256);
    });

    it('gives the same normalised table dump for the loop device and its image file, and a different one for another disk', async () => {
      const gpt = await gptDisk();
      const fromDevice = await sfdiskDump(gpt.device);
      expect(fromDevice).toMatch(/^device: <disk>$/m);
      expect(fromDevice).not.toContain(gpt.device);
      expect(await sfdiskDump(gpt.file)).toBe(fromDevice);
      const other = await buildGrubLikeDisk(scratch(), 'other.img', 64 * MiB);
      expect(await sfdiskDump(other.file)).not.toBe(fromDevice);
      expect(await sgdiskVerify(other.file)).toMatchObject({ ok: true });
      // Damage the primary header's CRC area: sgdisk falls back to the backup and says so.
      const handle = await open(other.file, 'r+');
      await handle.write(Buffer.from('broken!'), 0, 7, 512 + 16);
      await handle.close();
      expect((await sgdiskVerify(other.file)).ok).toBe(false);
    });

    it('reports each kind of change to an ext4 tree: content, xattr, hard link, mode, allocation', async () => {
      const gpt = await gptDisk();
      const ext4 = gpt.partitions.find((p) => p.fs === 'ext4')!;
      const before = await treeDigest(ext4.device, 'ext4');
      await withMount(ext4.device, 'ext4', 'rw', async (root) => {
        const file = path.join(root, 'tree/dir-2/sub-0/file-2.txt');
        const bytes = await readFile(file);
        bytes[0] = bytes[0]! ^ 0xff;
        await writeFile(file, bytes);
        await execa('setfattr', ['-n', 'user.comment', '-v', 'changed', path.join(root, 'tree/dir-0/sub-0/file-0.txt')]);
        await execa('sh', ['-c', 'rm links/hard-1.txt && cp links/original.txt links/hard-1.txt', root], { cwd: root });
        await execa('chmod', ['0644', path.join(root, 'posix/private')]);
        // Zeros written into a hole: same content, more allocated blocks.
        await execa('dd', [
          'if=/dev/zero',
          `of=${path.join(root, 'sparse/holes.bin')}`,
          'bs=4096',
          'count=4',
          'seek=2048',
          'conv=notrunc,fsync',
          'status=none',
        ]);
      });
      const differences = compareTrees(before, await treeDigest(ext4.device, 'ext4'));
      const about = (where: string, field: string) => differences.some((d) => d.startsWith(`${where}: ${field} `));
      expect(about('tree/dir-2/sub-0/file-2.txt', 'sha256'), differences.join('\n')).toBe(true);
      expect(about('tree/dir-0/sub-0/file-0.txt', 'xattrs'), differences.join('\n')).toBe(true);
      expect(about('links/hard-1.txt', 'hardlinks'), differences.join('\n')).toBe(true);
      expect(about('posix/private', 'mode'), differences.join('\n')).toBe(true);
      expect(about('sparse/holes.bin', 'blocks512'), differences.join('\n')).toBe(true);
      expect(about('sparse/holes.bin', 'sha256')).toBe(false);
      expect((await checkFilesystem(ext4.device, 'ext4')).ok).toBe(true);
    });

    it('reports a changed byte in an NTFS file and in a FAT file, and a removed NTFS stream', async () => {
      const gpt = await gptDisk();
      const fat = gpt.partitions.find((p) => p.fs === 'vfat')!;
      const ntfs = gpt.partitions.find((p) => p.fs === 'ntfs')!;
      const [fatBefore, ntfsBefore] = [await treeDigest(fat.device, 'vfat'), await treeDigest(ntfs.device, 'ntfs')];
      await withMount(ntfs.device, 'ntfs', 'rw', async (root) => {
        const file = path.join(root, 'big/random-1MiB.bin');
        const bytes = await readFile(file);
        bytes[12345] = bytes[12345]! ^ 1;
        await writeFile(file, bytes);
        await execa('setfattr', ['-x', 'user.origin', path.join(root, 'links/original.txt')]);
      });
      const ntfsDifferences = compareTrees(ntfsBefore, await treeDigest(ntfs.device, 'ntfs'));
      expect(
        ntfsDifferences.some((d) => d.startsWith('big/random-1MiB.bin: sha256 ')),
        ntfsDifferences.join('\n'),
      ).toBe(true);
      expect(
        ntfsDifferences.some((d) => d.startsWith('links/original.txt: xattrs ')),
        ntfsDifferences.join('\n'),
      ).toBe(true);

      const replacement = path.join(scratch().dir, 'replacement.txt');
      const old = fatBefore.entries.find((e) => e.path === 'deep/a/b/c/d/e/f/g/h/leaf.txt')!;
      await writeFile(replacement, 'Deep leaf\n');
      expect(old.sizeBytes).toBe('Deep leaf\n'.length);
      await execa('mcopy', ['-o', '-m', '-i', fat.device, replacement, '::/deep/a/b/c/d/e/f/g/h/leaf.txt'], { env: { MTOOLS_SKIP_CHECK: '1' } });
      const fatDifferences = compareTrees(fatBefore, await treeDigest(fat.device, 'vfat'));
      expect(
        fatDifferences.some((d) => d.startsWith('deep/a/b/c/d/e/f/g/h/leaf.txt: sha256 ')),
        fatDifferences.join('\n'),
      ).toBe(true);
    });

    it('has filesystem checkers that fail on a damaged filesystem', async () => {
      const dir = scratch().dir;
      const ext4 = await scratch().sparseFile('damaged-ext4.img', 16 * MiB);
      await execa('mkfs.ext4', ['-q', '-F', ext4]);
      expect((await checkFilesystem(ext4, 'ext4')).ok).toBe(true);
      await execa('debugfs', ['-w', '-R', 'set_bg 0 free_blocks_count 7', ext4]);
      expect((await checkFilesystem(ext4, 'ext4')).ok).toBe(false);

      const fat = await scratch().sparseFile('damaged-fat.img', 16 * MiB);
      await execa('mkfs.fat', ['-F', '16', fat]);
      await writeFile(path.join(dir, 'f.txt'), 'x'.repeat(5000));
      await execa('mcopy', ['-i', fat, path.join(dir, 'f.txt'), '::f.txt']);
      expect((await checkFilesystem(fat, 'vfat')).ok).toBe(true);
      // Root entry's file size (offset 28) raised past its cluster chain.
      const rootOffset = await firstRootDirectoryOffset(fat);
      const handle = await open(fat, 'r+');
      const entry = Buffer.alloc(32);
      await handle.read(entry, 0, 32, rootOffset);
      expect(entry.subarray(0, 11).toString('latin1')).toBe('F       TXT');
      entry.writeUInt32LE(900_000, 28);
      await handle.write(entry, 0, 32, rootOffset);
      await handle.close();
      expect((await checkFilesystem(fat, 'vfat')).ok).toBe(false);

      const ntfs = await scratch().sparseFile('damaged-ntfs.img', 16 * MiB);
      await execa('mkntfs', ['-Q', '-F', ntfs]);
      expect((await checkFilesystem(ntfs, 'ntfs')).ok).toBe(true);
      // Damage the backup boot sector (the volume's last sector): its OEM id at byte 3 stops saying "NTFS    ".
      const ntfsHandle = await open(ntfs, 'r+');
      await ntfsHandle.write(Buffer.from('NOT-NTFS', 'latin1'), 0, 8, 16 * MiB - 512 + 3);
      await ntfsHandle.close();
      expect((await checkFilesystem(ntfs, 'ntfs')).ok).toBe(false);
    });
  },
);

/** FAT12/16: the root directory follows the reserved sectors and the FATs. */
async function firstRootDirectoryOffset(image: string): Promise<number> {
  const boot = Buffer.alloc(512);
  const handle = await open(image, 'r');
  await handle.read(boot, 0, 512, 0);
  await handle.close();
  const bytesPerSector = boot.readUInt16LE(11);
  return (boot.readUInt16LE(14) + boot[16]! * boot.readUInt16LE(22)) * bytesPerSector;
}
