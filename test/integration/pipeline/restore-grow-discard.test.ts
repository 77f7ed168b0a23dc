import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkFilesystem, sfdiskDump, sgdiskVerify, type CheckedFs } from '../../helpers/fs-checkers.js';
import { sfdiskPartitions, useScratch, type Scratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { withoutLastLba } from '../../helpers/round-trip-checks.js';
import { buildGptDisk, buildMbrDisk, buildMbrGapDisk, sha256OfRange, type BootGapDisk, type SourceDisk } from '../../helpers/source-disks.js';
import { compareTrees, treeDigest } from '../../helpers/tree-hash.js';
import { MiB, jsonLines, lifeboat, resultOf, sha256File, smallGptDisk } from './cli-pipeline.js';
import { errorCode, showPartitions } from './restore-kill.js';

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
  'tool:resize2fs',
  'tool:dumpe2fs',
  'tool:ntfsresize',
  'tool:ntfsfix',
  'tool:fsck.fat',
  'tool:mcopy',
  'tool:ntfs-3g',
] as const;

async function capture(scratch: Scratch, source: SourceDisk, name: string): Promise<string> {
  const repo = path.join(scratch.dir, `${name}-repo`);
  const captured = await lifeboat('capture', '--source', source.device, '--repo', repo, '--json');
  expect(captured.exitCode, captured.stdout + captured.stderr).toBe(0);
  return repo;
}

async function restoreOnto(repo: string, target: string, ...more: string[]): Promise<Record<string, unknown>> {
  const name = target.startsWith('/dev/') ? path.basename(target) : target;
  const restored = await lifeboat('restore', '--repo', repo, '--target', target, '--verify', '--yes', '--confirm-target', name, '--json', ...more);
  expect(restored.exitCode, restored.stdout.slice(-1500) + restored.stderr).toBe(0);
  return resultOf(restored.stdout);
}

/** The filesystem's own size, as its tools report it. */
async function filesystemBytes(device: string, fs: 'ext4' | 'ntfs'): Promise<number> {
  if (fs === 'ext4') {
    const { stdout } = await execa('dumpe2fs', ['-h', device]);
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(stdout)?.[1]);
    return field('Block count') * field('Block size');
  }
  const { stdout } = await execa('ntfsresize', ['--info', '--force', '--no-progress-bar', device], { reject: false });
  return Number(/Current volume size: (\d+) bytes/.exec(stdout)?.[1]);
}

/** The grown partition is filled by its filesystem (to less than one filesystem block or cluster), which passes its checker and holds the source's files. */
async function expectGrown(source: SourceDisk, target: string, number: number, fs: 'ext4' | 'ntfs', result: Record<string, unknown>): Promise<number> {
  await showPartitions(target);
  const partition = (await sfdiskPartitions(target)).find((p) => p.number === number);
  if (!partition) throw new Error(`no partition ${number} on ${target}`);
  const grow = result['grow'] as { toBytes: number; fromBytes: number; filesystemBytes: number };
  expect(partition.sizeBytes).toBe(grow.toBytes);
  expect(grow.toBytes).toBeGreaterThan(grow.fromBytes);
  const device = `${target}p${number}`;
  const size = await filesystemBytes(device, fs);
  expect(size).toBeLessThanOrEqual(partition.sizeBytes);
  expect(partition.sizeBytes - size).toBeLessThan(fs === 'ext4' ? 4096 : 64 * 1024);
  expect(grow.filesystemBytes).toBe(size);
  const check = await checkFilesystem(device, fs as CheckedFs);
  expect(check.ok, check.output).toBe(true);
  const original = source.partitions.find((p) => p.number === number);
  expect(compareTrees(await treeDigest(original?.device ?? '', fs), await treeDigest(device, fs))).toEqual([]);
  return size;
}

describeWith([...NEEDS], 'restore --grow-last fills a larger disk', () => {
  const scratch = useScratch('all');

  it('GPT: the last partition (ext4) ends on the last MiB boundary before the backup GPT, and resize2fs fills it', async () => {
    const source = await buildGptDisk(scratch(), 'grow-gpt.img');
    const repo = await capture(scratch(), source, 'grow-gpt');
    const file = await scratch().sparseFile('grow-gpt-target.img', 384 * MiB);
    const target = await scratch().attach(file);
    const plan = await lifeboat('restore', '--repo', repo, '--target', target, '--grow-last', '--json');
    // Without --yes it stops at the confirmation, after printing the plan with the new size.
    const planLine = jsonLines(plan.stdout).find((line) => line['type'] === 'plan') as Record<string, unknown>;
    expect((planLine['grow'] as { toBytes: number }).toBytes).toBe(384 * MiB - 137 * MiB - MiB);
    const text = await lifeboat('restore', '--repo', repo, '--target', target, '--grow-last');
    expect(text.stdout).toMatch(/grow partition 3 from 119\.0 MiB to 246\.0 MiB \(257949696 bytes\) and its ext4 filesystem to fill it with resize2fs/);
    const result = await restoreOnto(repo, target, '--grow-last');
    const size = await expectGrown(source, target, 3, 'ext4', result);
    const verified = await sgdiskVerify(target);
    expect(verified.ok, verified.output).toBe(true);
    for (const p of source.partitions.filter((p) => p.number !== 3 && p.fs !== 'none')) {
      const check = await checkFilesystem(`${target}p${p.number}`, p.fs as CheckedFs);
      expect(check.ok, check.output).toBe(true);
    }
    console.info(
      `grow-last GPT ext4: partition 3 119.0 MiB -> ${(Number((result['grow'] as { toBytes: number }).toBytes) / MiB).toFixed(1)} MiB, filesystem ${size} bytes`,
    );
  });

  it('MBR: the last logical partition (NTFS) and its extended container grow, and ntfsresize fills it', async () => {
    const source = await buildMbrDisk(scratch(), 'grow-mbr.img');
    const repo = await capture(scratch(), source, 'grow-mbr');
    const file = await scratch().sparseFile('grow-mbr-target.img', 320 * MiB);
    const target = await scratch().attach(file);
    const result = await restoreOnto(repo, target, '--grow-last');
    const size = await expectGrown(source, target, 6, 'ntfs', result);
    const { stdout } = await execa('sfdisk', ['--json', target]);
    const parts = (JSON.parse(stdout) as { partitiontable: { partitions: Array<{ node: string; start: number; size: number; type: string }> } }).partitiontable
      .partitions;
    const extended = parts.find((p) => p.type === '5' || p.type === 'f') as { start: number; size: number };
    expect((extended.start + extended.size) * 512).toBe(320 * MiB);
    const fat = await checkFilesystem(`${target}p5`, 'vfat');
    expect(fat.ok, fat.output).toBe(true);
    console.info(
      `grow-last MBR logical NTFS: partition 6 -> ${(Number((result['grow'] as { toBytes: number }).toBytes) / MiB).toFixed(1)} MiB, filesystem ${size} bytes`,
    );
  });

  it('MBR primary (ext4) restored into an image file grows too, and the boot code and boot-loader gap stay intact', async () => {
    const source: BootGapDisk = await buildMbrGapDisk(scratch(), 'grow-prim.img');
    const repo = await capture(scratch(), source, 'grow-prim');
    const file = await scratch().sparseFile('grow-prim-target.img', 192 * MiB);
    const result = await restoreOnto(repo, file, '--grow-last');
    const device = await scratch().attach(file);
    const size = await expectGrown(source, device, 1, 'ext4', result);
    expect(size).toBe(191 * MiB);
    for (const region of source.hiddenRegions) expect(await sha256OfRange(file, region.offsetBytes, region.sizeBytes), region.name).toBe(region.sha256);
  });

  it('is refused before anything is written when the last filesystem cannot grow, the target is not larger, or only a partition is restored', async () => {
    const source = await smallGptDisk(scratch(), 'grow-refuse.img');
    const repo = path.join(scratch().dir, 'grow-refuse-repo');
    expect((await lifeboat('capture', '--source', source.device, '--repo', repo)).exitCode).toBe(0);
    const target = await scratch().sparseFile('grow-refuse-target.img', 160 * MiB);
    const same = await scratch().sparseFile('grow-refuse-same.img', 96 * MiB);
    const before = [await sha256File(target), await sha256File(same)];
    const fat = await lifeboat('restore', '--repo', repo, '--target', target, '--grow-last', '--yes', '--confirm-target', target);
    expect(fat.exitCode).toBe(1);
    expect(fat.stderr).toContain('The last partition (2) holds vfat, which Lifeboat cannot grow');
    expect(fat.stderr).toContain('[CANNOT_GROW]');
    const notLarger = await lifeboat('restore', '--repo', repo, '--target', same, '--grow-last', '--yes', '--confirm-target', same);
    expect(notLarger.stderr).toMatch(/--grow-last needs a larger target: .* has 96\.0 MiB .* and the captured disk had 96\.0 MiB/);
    const partitionOnly = await lifeboat('restore', '--repo', repo, '--partition', '1', '--target', same, '--grow-last', '--yes', '--confirm-target', same);
    expect(partitionOnly.exitCode).toBe(2);
    expect([await sha256File(target), await sha256File(same)]).toEqual(before);
  });
});

/** Bytes the file really occupies on its filesystem. */
async function allocatedBytes(file: string): Promise<number> {
  return (await stat(file)).blocks * 512;
}

async function fillPattern(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.alloc(4 * MiB, 0xa5);
  for (let at = 0; at < sizeBytes; at += block.length) await handle.write(block, 0, Math.min(block.length, sizeBytes - at), at);
  await handle.close();
}

describeWith([...NEEDS], 'restore --discard', () => {
  const scratch = useScratch('all');

  describe('onto a loop device', () => {
    it('punches the free space out of the backing file: it reads as zeros, the file shrinks, and the used data is intact', async () => {
      const source = await buildGptDisk(scratch(), 'discard-src.img');
      const repo = await capture(scratch(), source, 'discard');
      const file = path.join(scratch().dir, 'discard-target.img');
      await fillPattern(file, 320 * MiB);
      const before = await allocatedBytes(file);
      const target = await scratch().attach(file);
      const result = await restoreOnto(repo, target, '--discard');
      await execa('blockdev', ['--flushbufs', target]);
      const after = await allocatedBytes(file);
      const inspected = JSON.parse((await lifeboat('inspect', source.device, '--json', '--map')).stdout) as {
        copiedBytes: number;
        partitions: Array<{ startBytes: number; sizeBytes: number; blockSizeBytes: number; map: Array<[number, number]> }>;
      };
      console.info(
        `discard: backing file ${(before / MiB).toFixed(1)} MiB allocated before, ${(after / MiB).toFixed(1)} MiB after; ${(Number(result['discardedBytes']) / MiB).toFixed(1)} MiB discarded; ${(inspected.copiedBytes / MiB).toFixed(1)} MiB used`,
      );
      expect(before).toBeGreaterThanOrEqual(320 * MiB);
      expect(Number(result['discardedBytes'])).toBeGreaterThan(200 * MiB);
      // What stays allocated: the used data, the first and last MiB, and free runs too short to discard.
      expect(after).toBeLessThan(inspected.copiedBytes + 24 * MiB);
      expect(after).toBeGreaterThanOrEqual(inspected.copiedBytes);

      // Free space, as the source's used-block maps and the gaps say: every whole MiB of it reads as zeros.
      const free: Array<[number, number]> = [[256 * MiB, 64 * MiB - 34 * 512]];
      for (const p of inspected.partitions) {
        let cursor = 0;
        for (const [first, count] of [...p.map, [Math.ceil(p.sizeBytes / p.blockSizeBytes), 0] as [number, number]]) {
          if (first > cursor) free.push([p.startBytes + cursor * p.blockSizeBytes, (first - cursor) * p.blockSizeBytes]);
          cursor = first + count;
        }
      }
      const handle = await open(target, 'r');
      try {
        let checked = 0;
        for (const [start, length] of free) {
          const from = Math.ceil(start / MiB) * MiB;
          const to = Math.min(Math.floor((start + length) / MiB) * MiB, p0End(inspected, start));
          for (let at = from; at + MiB <= to; at += MiB) {
            const bytes = Buffer.alloc(MiB);
            await handle.read(bytes, 0, MiB, at);
            expect(
              bytes.every((b) => b === 0),
              `free MiB at byte ${at}`,
            ).toBe(true);
            checked += MiB;
          }
        }
        expect(checked).toBeGreaterThan(200 * MiB);
      } finally {
        await handle.close();
      }

      await showPartitions(target);
      for (const p of source.partitions.filter((p) => p.fs !== 'none')) {
        const copy = `${target}p${p.number}`;
        const check = await checkFilesystem(copy, p.fs as CheckedFs);
        expect(check.ok, check.output).toBe(true);
        expect(compareTrees(await treeDigest(p.device, p.fs as CheckedFs), await treeDigest(copy, p.fs as CheckedFs)), `partition ${p.number}`).toEqual([]);
      }
      expect(withoutLastLba(await sfdiskDump(target))).toBe(withoutLastLba(await sfdiskDump(source.device)));
    });
  });

  it('onto an image file, which cannot discard: a warning, and the restore still completes', async () => {
    const source = await smallGptDisk(scratch(), 'discard-file-src.img');
    const repo = path.join(scratch().dir, 'discard-file-repo');
    expect((await lifeboat('capture', '--source', source.device, '--repo', repo)).exitCode).toBe(0);
    const file = await scratch().sparseFile('discard-file-target.img', 128 * MiB);
    const restored = await lifeboat('restore', '--repo', repo, '--target', file, '--discard', '--verify', '--yes', '--confirm-target', file, '--json');
    expect(restored.exitCode, restored.stdout).toBe(0);
    const warnings = jsonLines(restored.stdout)
      .filter((line) => line['type'] === 'warning')
      .map((line) => String(line['message']));
    expect(warnings.some((w) => w.includes('does not support discard (TRIM)') && w.includes('The restore goes on'))).toBe(true);
    expect(resultOf(restored.stdout)['verified']).toBe(true);
    expect(errorCode(jsonLines(restored.stdout))).toBeNull();
  });
});

/** Free runs end where the partition they belong to ends (the trailing one at the disk's end). */
function p0End(inspected: { partitions: Array<{ startBytes: number; sizeBytes: number }> }, start: number): number {
  const owner = inspected.partitions.find((p) => start >= p.startBytes && start < p.startBytes + p.sizeBytes);
  return owner ? owner.startBytes + owner.sizeBytes : Number.MAX_SAFE_INTEGER;
}
