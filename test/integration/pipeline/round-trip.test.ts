import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkFilesystem, sfdiskDump, sgdiskVerify } from '../../helpers/fs-checkers.js';
import { useScratch, type Scratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { expectSameFilesystems, expectSameHiddenRegions, withoutLastLba } from '../../helpers/round-trip-checks.js';
import { compareTrees, treeDigest } from '../../helpers/tree-hash.js';
import { buildGptDisk, buildGrubLikeDisk, buildMbrDisk, buildMbrGapDisk, type SourceDisk } from '../../helpers/source-disks.js';
import { MiB, lifeboat, resultOf } from './cli-pipeline.js';

const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:sfdisk',
  'tool:sgdisk',
  'tool:mkfs.ext4',
  'tool:mkntfs',
  'tool:mkfs.fat',
  'tool:e2fsck',
  'tool:ntfsfix',
  'tool:fsck.fat',
  'tool:mcopy',
  'tool:ntfs-3g',
  'tool:setfattr',
] as const;

/** Captures `source`, restores it onto a new loop disk of `targetBytes` and returns the target. */
async function captureAndRestore(
  scratch: Scratch,
  source: SourceDisk,
  name: string,
  targetBytes: number,
): Promise<{ device: string; file: string; repo: string; capture: Record<string, unknown> }> {
  const repo = path.join(scratch.dir, `${name}-repo`);
  const captured = await lifeboat('capture', '--source', source.device, '--repo', repo, '--json');
  expect(captured.exitCode, captured.stdout + captured.stderr).toBe(0);
  const file = await scratch.sparseFile(`${name}-target.img`, targetBytes);
  const device = await scratch.attach(file);
  const restored = await lifeboat('restore', '--repo', repo, '--target', device, '--verify', '--yes', '--confirm-target', path.basename(device), '--json');
  expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
  expect(resultOf(restored.stdout)['verified']).toBe(true);
  return { device, file, repo, capture: resultOf(captured.stdout) };
}

describeWith([...NEEDS], 'capture then restore gives back the same disk', () => {
  const scratch = useScratch('all');

  describe('GPT with an ESP (FAT32), NTFS and ext4, restored onto a 64 MiB larger disk', () => {
    let source: SourceDisk;
    let target: { device: string; file: string };
    beforeAll(async () => {
      source = await buildGptDisk(scratch(), 'gpt.img');
      target = await captureAndRestore(scratch(), source, 'gpt', 256 * MiB + 64 * MiB);
    });

    it('has the same partition table, apart from the last usable LBA that moved to the new end', async () => {
      const before = await sfdiskDump(source.device);
      const after = await sfdiskDump(target.device);
      expect(withoutLastLba(after)).toBe(withoutLastLba(before));
      expect(after).not.toBe(before);
    });

    it('passes sgdisk -v, with the backup GPT header in the new last sector', async () => {
      const verified = await sgdiskVerify(target.device);
      expect(verified.ok, verified.output).toBe(true);
      const { stdout } = await execa('dd', [`if=${target.file}`, 'bs=512', `skip=${(320 * MiB) / 512 - 1}`, 'count=1', 'status=none'], { encoding: 'buffer' });
      expect(Buffer.from(stdout).subarray(0, 8).toString('latin1')).toBe('EFI PART');
    });

    it('every filesystem passes its checker and has identical files, links, sparse files and xattrs', async () => {
      await expectSameFilesystems(source, target.device);
    });
  });

  describe('MBR with a primary ext4 and logical FAT16 and NTFS in an extended partition', () => {
    let source: SourceDisk;
    let target: { device: string };
    beforeAll(async () => {
      source = await buildMbrDisk(scratch(), 'mbr.img');
      target = await captureAndRestore(scratch(), source, 'mbr', 256 * MiB);
    });

    it('has exactly the same partition table (sfdisk -d), EBR chain included', async () => {
      expect(await sfdiskDump(target.device)).toBe(await sfdiskDump(source.device));
    });

    it('every filesystem passes its checker and has identical files', async () => {
      await expectSameFilesystems(source, target.device);
    });
  });

  describe('boot code outside filesystems survives', () => {
    it('GPT with a BIOS boot partition and data in the gap after the GPT (GRUB-like)', async () => {
      const source = await buildGrubLikeDisk(scratch(), 'grub.img');
      const target = await captureAndRestore(scratch(), source, 'grub', 128 * MiB);
      expect(await sfdiskDump(target.device)).toBe(await sfdiskDump(source.device));
      await expectSameHiddenRegions(source, target.file);
      await expectSameFilesystems(source, target.device);
    });

    it('MBR with boot code and core.img in the sectors after the MBR', async () => {
      const source = await buildMbrGapDisk(scratch(), 'mbrgap.img');
      const target = await captureAndRestore(scratch(), source, 'mbrgap', 160 * MiB);
      expect(await sfdiskDump(target.device)).toBe(await sfdiskDump(source.device));
      await expectSameHiddenRegions(source, target.file);
      await expectSameFilesystems(source, target.device);
    });
  });

  describe('one partition at a time, and disk to disk', () => {
    let source: SourceDisk;
    beforeAll(async () => {
      source = await buildGptDisk(scratch(), 'parts.img');
    });

    it('captures only the NTFS partition and restores it onto a partition of another disk', async () => {
      const repo = path.join(scratch().dir, 'part-repo');
      const captured = await lifeboat('capture', '--source', source.device, '--partition', '2', '--repo', repo, '--json');
      expect(captured.exitCode, captured.stderr).toBe(0);
      const shown = await lifeboat('inspect', '--repo', repo, '--json');
      const doc = JSON.parse(shown.stdout) as { scope: string; extents: Array<{ number: number; filesystem: { type: string } }> };
      expect(doc.scope).toBe('partition');
      expect(doc.extents.map((e) => [e.number, e.filesystem.type])).toEqual([[2, 'ntfs']]);

      const other = await buildGptDisk(scratch(), 'other.img');
      const restored = await lifeboat(
        'restore',
        '--repo',
        repo,
        '--target',
        `${other.device}p2`,
        '--verify',
        '--yes',
        '--confirm-target',
        `${path.basename(other.device)}p2`,
      );
      expect(restored.exitCode, restored.stderr).toBe(0);
      const check = await checkFilesystem(`${other.device}p2`, 'ntfs');
      expect(check.ok, check.output).toBe(true);
      expect(compareTrees(await treeDigest(`${source.device}p2`, 'ntfs'), await treeDigest(`${other.device}p2`, 'ntfs'))).toEqual([]);
      // The other partitions of that disk were not touched: its ext4 still differs from the source's.
      expect(compareTrees(await treeDigest(`${source.device}p3`, 'ext4'), await treeDigest(`${other.device}p3`, 'ext4')).length).toBeGreaterThan(0);
    });

    it('clones the disk onto a larger one, verified, with identical filesystems', async () => {
      const file = await scratch().sparseFile('clone-target.img', 300 * MiB);
      const device = await scratch().attach(file);
      const cloned = await lifeboat('clone', '--source', source.device, '--target', device, '--verify', '--yes', '--confirm-target', path.basename(device));
      expect(cloned.exitCode, cloned.stderr).toBe(0);
      expect(withoutLastLba(await sfdiskDump(device))).toBe(withoutLastLba(await sfdiskDump(source.device)));
      expect((await sgdiskVerify(device)).ok).toBe(true);
      await expectSameFilesystems(source, device);
    });
  });
});
