import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HelperClient } from '../../../recovery/helper/helper-client.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';
import { Scratch, sfdiskPartitions } from '../../helpers/loop-device.js';
import { lsblk, mountpointsOf } from '../../helpers/lsblk.js';
import { describeWith } from '../../helpers/requirements.js';

const MiB = 1024 * 1024;

/** Compares the helper's view of one disk with lsblk's, field by field. */
async function expectAgreesWithLsblk(disk: HelperDisk): Promise<void> {
  const oracle = await lsblk(disk.path);
  expect(`${disk.major}:${disk.minor}`).toBe(oracle['maj:min']);
  expect(disk.sizeBytes).toBe(oracle.size);
  expect(disk.logicalSectorSize).toBe(oracle['log-sec']);
  expect(disk.physicalSectorSize).toBe(oracle['phy-sec']);
  expect(disk.readOnly).toBe(oracle.ro);
  expect(disk.removable).toBe(oracle.rm);
  expect(disk.rotational).toBe(oracle.rota);
  expect(disk.mountpoints.sort()).toEqual(mountpointsOf(oracle));
  // lsblk lists partitions in the order sysfs gives them, which varies with BLKPG adds; ours are by number.
  const partitionNumber = (name: string) => Number(/(\d+)$/.exec(name)?.[1] ?? 0);
  const children = [...(oracle.children ?? [])].sort((a, b) => partitionNumber(a.name) - partitionNumber(b.name));
  expect(disk.partitions.map((p) => p.name)).toEqual(children.map((c) => c.name));
  for (const [i, part] of disk.partitions.entries()) {
    const child = children[i]!;
    expect(part.path).toBe(child.path);
    expect(`${part.major}:${part.minor}`).toBe(child['maj:min']);
    expect(part.sizeBytes).toBe(child.size);
    expect(part.startBytes).toBe((child.start ?? -1) * 512);
    expect(part.readOnly).toBe(child.ro);
    expect(part.mountpoints.sort()).toEqual(mountpointsOf(child));
  }
}

describeWith(
  ['root', 'loop-devices', 'tool:sfdisk', 'tool:sgdisk', 'tool:lsblk', 'tool:mkfs.ext4'],
  'the helper lists loop devices exactly as lsblk does',
  () => {
    let scratch: Scratch;
    let helper: HelperClient;
    const devices: Record<string, string> = {};

    beforeAll(async () => {
      scratch = await Scratch.create();
      helper = new HelperClient();
      try {
        // MBR: a primary, an extended holding two logical partitions.
        const mbr = await scratch.sparseFile('mbr.img', 64 * MiB);
        await execa('sfdisk', ['--quiet', mbr], { input: 'label: dos\n,16MiB,83\n,,5\n,12MiB,83\n,,7\n' });
        devices['mbr'] = await scratch.attach(mbr);
        // GPT: six partitions of different types, the fourth to be mounted.
        const gpt = await scratch.sparseFile('gpt.img', 96 * MiB);
        await execa('sgdisk', [
          '-n1:0:+8M',
          '-t1:ef00',
          '-n2:0:+16M',
          '-t2:0700',
          '-c2:Windows data',
          '-n3:0:+4M',
          '-t3:8200',
          '-n4:0:+24M',
          '-t4:8300',
          '-c4:root',
          '-n5:0:+8M',
          '-t5:8e00',
          '-n6:0:0',
          '-t6:8300',
          gpt,
        ]);
        devices['gpt'] = await scratch.attach(gpt);
        for (const name of ['mbr', 'gpt']) {
          const device = devices[name]!;
          await helper.rereadPartitions(device, await sfdiskPartitions(device));
        }
        await execa('mkfs.ext4', ['-q', `${devices['gpt']}p4`]);
        await scratch.mount(`${devices['gpt']}p4`, 'mnt with space');
        // Read-only and 4096-byte-sector loop devices.
        devices['ro'] = await scratch.attach(await scratch.sparseFile('ro.img', 8 * MiB), { readOnly: true });
        devices['4k'] = await scratch.attach(await scratch.sparseFile('4k.img', 16 * MiB), { sectorSize: 4096 });
      } catch (error) {
        await scratch.cleanup();
        throw error;
      }
    });

    afterAll(async () => {
      await helper?.close();
      await scratch?.cleanup();
    });

    async function listed(key: string): Promise<HelperDisk> {
      const disks = await helper.listDisks();
      const disk = disks.find((d) => d.path === devices[key]);
      if (!disk) throw new Error(`${devices[key]} is missing from the helper's list`);
      return disk;
    }

    it('an MBR disk with primary, extended and two logical partitions', async () => {
      const disk = await listed('mbr');
      expect(disk.partitions.map((p) => p.number)).toEqual([1, 2, 5, 6]);
      expect(disk.transport).toBe('loop');
      expect(disk.loopBackingFile).toMatch(/mbr\.img$/);
      await expectAgreesWithLsblk(disk);
    });

    it('a GPT disk with six partitions, one of them mounted at a path with a space', async () => {
      const disk = await listed('gpt');
      expect(disk.partitions).toHaveLength(6);
      const mounted = disk.partitions.find((p) => p.number === 4)!;
      expect(mounted.mountpoints).toEqual([`${scratch.dir}/mnt with space`]);
      await expectAgreesWithLsblk(disk);
    });

    it('a loop device attached read-only is reported read-only', async () => {
      const disk = await listed('ro');
      expect(disk.readOnly).toBe(true);
      await expectAgreesWithLsblk(disk);
    });

    it('a loop device with 4096-byte sectors reports 4096', async () => {
      const disk = await listed('4k');
      expect(disk.logicalSectorSize).toBe(4096);
      await expectAgreesWithLsblk(disk);
    });

    it('info on a partition names the partition and its parent disk', async () => {
      const { disk, partition } = await helper.info(`${devices['gpt']}p2`);
      expect(disk.path).toBe(devices['gpt']);
      expect(partition?.number).toBe(2);
      expect(partition?.sizeBytes).toBe(16 * MiB);
    });

    it('re-reading a disk with a mounted partition is refused as busy', async () => {
      await expect(helper.rereadPartitions(devices['gpt']!)).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    });
  },
);
