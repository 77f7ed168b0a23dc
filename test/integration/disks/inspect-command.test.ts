import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import type { InspectJson } from '../../../recovery/cli/inspect-json.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';

const MiB = 1024 * 1024;
const CLI = path.resolve(import.meta.dirname, '../../../build/recovery/cli/main.js');

function lifeboat(...args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, env: { NO_COLOR: '1' } });
}

describeWith(
  ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4', 'tool:mkntfs', 'tool:mkfs.fat', 'tool:mkswap', 'tool:dumpe2fs'],
  'lifeboat inspect says what a capture would copy of each partition',
  () => {
    const scratch = useScratch('all');
    let image = '';
    let extUsedBlocks = 0;

    beforeAll(async () => {
      image = await scratch().sparseFile('disk.img', 200 * MiB);
      await execa('sfdisk', ['-q', image], {
        input:
          'label: gpt\nsize=40M, type=uefi\nsize=60M, type=linux\nsize=50M, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\nsize=20M, type=swap\nsize=10M, type=linux\n',
      });
      const device = await scratch().attachPartitioned(image);
      await execa('mkfs.fat', ['-F', '32', '-n', 'ESP', `${device}p1`]);
      await execa('mkfs.ext4', ['-q', '-L', 'root', `${device}p2`]);
      const mounted = await scratch().mount(`${device}p2`, 'root');
      await execa('dd', ['if=/dev/urandom', `of=${mounted}/data.bin`, 'bs=1M', 'count=6']);
      await execa('umount', [mounted]);
      await execa('mkntfs', ['-Q', '-q', '-L', 'data', `${device}p3`]);
      await execa('mkswap', ['-L', 'sw', `${device}p4`]);
      await execa('dd', ['if=/dev/urandom', `of=${device}p5`, 'bs=1M', 'count=1']);
      const { stdout } = await execa('dumpe2fs', ['-h', `${device}p2`], { stderr: 'ignore' });
      const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)?.[1]);
      extUsedBlocks = field('Block count') - field('Free blocks');
      await scratch().detach(device);
    });

    it('reads an image file: maps the filesystems, copies swap header-only and unknown data whole', async () => {
      const result = await lifeboat('inspect', '--json', '--map', image);
      expect(result.exitCode, result.stderr).toBe(0);
      const doc = JSON.parse(result.stdout) as InspectJson;
      expect(doc.schema).toBe('lifeboat.inspect/1');
      expect(doc.table.scheme).toBe('gpt');
      expect(doc.partitions.map((p) => [p.number, p.filesystem?.type ?? null, p.coverage])).toEqual([
        [1, 'vfat', 'filesystem'],
        [2, 'ext4', 'filesystem'],
        [3, 'ntfs', 'filesystem'],
        [4, 'swap', 'header'],
        [5, null, 'whole'],
      ]);
      const [esp, root, , swap, unknown] = doc.partitions;
      expect(root?.usedBlocks).toBe(extUsedBlocks);
      expect(root?.copiedBytes).toBe(extUsedBlocks * 1024);
      expect(root?.map?.reduce((sum, [, count]) => sum + count, 0)).toBe(extUsedBlocks);
      expect(swap?.copiedBytes).toBe(4096);
      expect(unknown?.copiedBytes).toBe(10 * MiB);
      expect(unknown?.reason).toMatch(/no filesystem Lifeboat knows/);
      expect(esp?.copiedBytes).toBeLessThan(MiB);
      const partitionsBytes = doc.partitions.reduce((sum, p) => sum + p.copiedBytes, 0);
      // The table (protective MBR, both GPT headers and arrays) plus the gap before partition 1.
      expect(doc.outsidePartitionsBytes).toBe(MiB + 33 * 512);
      expect(doc.copiedBytes).toBe(partitionsBytes + doc.outsidePartitionsBytes);
    });

    it('prints an 80-column table with the total and the reasons for whole copies', async () => {
      const result = await lifeboat('inspect', image);
      expect(result.exitCode, result.stderr).toBe(0);
      for (const line of result.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
      expect(result.stdout).toMatch(/^2 +41\.0 MiB +60\.0 MiB +ext4 +root +\S+ MiB +used blocks$/m);
      expect(result.stdout).toMatch(/^4 .*swap +sw +4\.0 KiB +header only$/m);
      expect(result.stdout).toMatch(/A capture reads .* of 200\.0 MiB/);
      expect(result.stdout).toMatch(/partition 5: This partition is copied whole: no filesystem/);
      expect(result.stdout).toMatch(/Unallocated between and after partitions: 19\.0 MiB, not copied/);
    });

    it('a damaged ext4 is copied whole and the reason names the damage', async () => {
      const copy = await scratch().sparseFile('damaged.img', 200 * MiB);
      await execa('cp', ['--sparse=always', image, copy]);
      // Partition 2 starts at 41 MiB; its group descriptors (1 KiB blocks) start at byte 2048 of it.
      await execa('dd', ['if=/dev/zero', `of=${copy}`, 'bs=1', `seek=${41 * MiB + 2048}`, 'count=4', 'conv=notrunc']);
      const doc = JSON.parse((await lifeboat('inspect', '--json', copy)).stdout) as InspectJson;
      expect(doc.partitions[1]).toMatchObject({ coverage: 'whole', copiedBytes: 60 * MiB, filesystem: { type: 'ext4' } });
      expect(doc.partitions[1]?.reason).toMatch(/ext4 allocation data is damaged/);
    });

    it('reads logical partitions of an MBR disk and counts their EBRs as table sectors', async () => {
      const mbr = await scratch().sparseFile('mbr.img', 64 * MiB);
      await execa('sfdisk', ['-q', mbr], { input: 'label: dos\nsize=16M, type=83\ntype=5\nsize=12M, type=6\nsize=12M, type=83\n' });
      const device = await scratch().attachPartitioned(mbr);
      await execa('mkfs.ext4', ['-q', `${device}p1`]);
      await execa('mkfs.fat', ['-F', '16', `${device}p5`]);
      await execa('mkfs.ext2', ['-q', `${device}p6`]);
      await scratch().detach(device);
      const doc = JSON.parse((await lifeboat('inspect', '--json', mbr)).stdout) as InspectJson;
      expect(doc.table.scheme).toBe('mbr');
      expect(doc.partitions.map((p) => [p.number, p.kind, p.filesystem?.type, p.coverage])).toEqual([
        [1, 'primary', 'ext4', 'filesystem'],
        [5, 'logical', 'vfat', 'filesystem'],
        [6, 'logical', 'ext2', 'filesystem'],
      ]);
      // The MBR and two EBRs are table sectors; sfdisk leaves 1 MiB before partition 1.
      expect(doc.table.metadataAreas.map((area) => area.kind)).toEqual(['mbr', 'ebr', 'ebr']);
      expect(doc.outsidePartitionsBytes).toBe(MiB + 2 * 512);
    });

    it('a missing file is DEVICE_NOT_FOUND with exit code 1', async () => {
      const result = await lifeboat('inspect', '--json', path.join(scratch().dir, 'nope.img'));
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'DEVICE_NOT_FOUND' } });
    });
  },
);
