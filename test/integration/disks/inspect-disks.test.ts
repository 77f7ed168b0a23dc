import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inspectDisks, type InspectedDisk } from '../../../recovery/disks/inspect-disks.js';
import { HelperClient } from '../../../recovery/helper/helper-client.js';
import { Scratch, sfdiskPartitions } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';

const MiB = 1024 * 1024;
const CLI = path.resolve(import.meta.dirname, '../../../build/recovery/cli/main.js');

const BLKID_TAGS = ['TYPE', 'VERSION', 'LABEL', 'UUID'] as const;

/**
 * What `blkid -p` (low-level probe: no cache, no udev) says of one device. One tag at a time in
 * value mode, because export mode escapes non-ASCII labels.
 */
async function blkid(device: string): Promise<Record<string, string | undefined>> {
  const tags: Record<string, string | undefined> = {};
  for (const tag of BLKID_TAGS) {
    const { stdout } = await execa('blkid', ['-p', '-s', tag, '-o', 'value', device], { reject: false });
    tags[tag] = stdout === '' ? undefined : stdout;
  }
  return tags;
}

async function extUsedBytes(device: string): Promise<number> {
  const { stdout } = await execa('dumpe2fs', ['-h', device], { stderr: 'ignore' });
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)?.[1]);
  return (field('Block count') - field('Free blocks')) * field('Block size');
}

describeWith(
  ['root', 'loop-devices', 'tool:sfdisk', 'tool:blkid', 'tool:mkfs.ext4', 'tool:mkntfs', 'tool:mkfs.fat', 'tool:mkfs.exfat', 'tool:mkswap', 'tool:dumpe2fs'],
  'lifeboat disks reads filesystems from the disk itself',
  () => {
    const scratch = new Map<string, Scratch>();
    let device = '';
    let inspected: InspectedDisk | undefined;

    beforeAll(async () => {
      const s = await Scratch.create();
      scratch.set('s', s);
      device = await s.attach(await s.sparseFile('disk.img', 256 * MiB));
      await execa('sfdisk', ['-q', device], {
        input:
          'label: gpt\nsize=40M, type=uefi, name=ESP\nsize=64M, type=linux, name=root\nsize=50M, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=data\nsize=40M, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=stick\nsize=20M, type=swap\n',
      });
      const helper = new HelperClient();
      try {
        await helper.rereadPartitions(device, await sfdiskPartitions(device));
        await execa('mkfs.fat', ['-F', '32', '-n', 'ESP', `${device}p1`]);
        await execa('mkfs.ext4', ['-q', '-L', 'root', `${device}p2`]);
        await execa('mkntfs', ['-Q', '-q', '-L', 'Données', `${device}p3`]);
        await execa('mkfs.exfat', ['-L', 'STICK', `${device}p4`]);
        await execa('mkswap', ['-L', 'sw', `${device}p5`]);
        // A mounted ext4 has "needs recovery" set in its superblock: the dirty flag a capture must report.
        await s.mount(`${device}p2`, 'root');
        const listed = (await helper.listDisks()).filter((d) => d.path === device);
        inspected = (await inspectDisks(listed, helper))[0];
      } finally {
        await helper.close();
      }
    });

    afterAll(async () => {
      for (const s of scratch.values()) await s.cleanup();
    });

    it('agrees with blkid on every partition: type, version, label and UUID', async () => {
      expect(inspected?.partitions).toHaveLength(5);
      for (const part of inspected?.partitions ?? []) {
        const oracle = await blkid(part.path);
        expect(part.filesystemProblem).toBeNull();
        expect(part.filesystem?.type).toBe(oracle['TYPE']);
        expect(part.filesystem?.label ?? undefined).toBe(oracle['LABEL']);
        expect(part.filesystem?.uuid ?? undefined).toBe(oracle['UUID']);
        if (oracle['VERSION'] && part.filesystem?.type !== 'ext4') expect(part.filesystem?.version).toBe(oracle['VERSION']);
      }
    });

    it('fills partition type, name and UUID from the GPT when the system has no device database', async () => {
      const { stdout } = await execa('sfdisk', ['--json', device]);
      const table = (JSON.parse(stdout) as { partitiontable: { partitions: Array<{ type: string; uuid: string; name?: string }> } }).partitiontable;
      table.partitions.forEach((entry, i) => {
        const part = inspected?.partitions[i];
        expect(part?.type).toBe(entry.type.toLowerCase());
        expect(part?.uuid).toBe(entry.uuid.toLowerCase());
        expect(part?.label ?? '').toBe(entry.name ?? '');
      });
    });

    it('reports used and free space and the dirty flag of the mounted ext4', async () => {
      const root = inspected?.partitions[1]?.filesystem;
      expect(root?.usedBytes).toBe(await extUsedBytes(`${device}p2`));
      expect(root?.freeBytes).toBe(64 * MiB - (root?.usedBytes ?? 0));
      expect(root?.dirty).toBe(true);
      expect(root?.dirtyReason).toMatch(/journal recovery/);
      for (const i of [0, 2, 3]) {
        const fs = inspected?.partitions[i]?.filesystem;
        expect(fs?.dirty).toBe(false);
        expect(fs?.usedBytes).toBeGreaterThan(0);
        expect((fs?.usedBytes ?? 0) + (fs?.freeBytes ?? 0)).toBe(fs?.sizeBytes);
      }
      expect(inspected?.partitions[4]?.filesystem).toMatchObject({ type: 'swap', usedBytes: null, dirty: null });
    });

    it('the built command prints the same filesystems in its JSON and its table', async () => {
      const json = await execa(process.execPath, [CLI, 'disks', '--json']);
      const document = JSON.parse(json.stdout) as { disks: InspectedDisk[] };
      const disk = document.disks.find((d) => d.path === device);
      expect(disk?.partitions.map((p) => p.filesystem)).toEqual(inspected?.partitions.map((p) => p.filesystem));
      const table = await execa(process.execPath, [CLI, 'disks'], { env: { NO_COLOR: '1' } });
      const name = path.basename(device);
      const rows = table.stdout.split('\n').filter((line) => line.startsWith(`  ${name}p`));
      expect(rows.map((row) => row.slice(26, 36).trim())).toEqual(['FAT32', 'ext4', 'ntfs', 'exfat', 'swap']);
      expect(rows[1]).toMatch(/ MiB free, dirty/);
      expect(rows[2]).toContain('"Données"');
    });
  },
);
