import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ListedDisk } from '../../../recovery/disks/disk-table.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';
import { confirmationMatches } from '../../../recovery/ui/components/TypedConfirm.js';
import { describeWith } from '../../helpers/requirements.js';
import {
  blankImage,
  drive,
  expectFitsConsole,
  fixtureDisks,
  imageDiskFacts,
  imageWithExt4,
  KEY,
  repositoryOf,
  testBackend,
  type ImageDisk,
} from './harness.js';

const MiB = 1024 * 1024;

/**
 * The restore wizard's target step with the disks of a live USB boot (usb-stick fixture), a
 * laptop's system disk, a disk whose mounted partition holds the repository, a blank image and
 * one that is too small. Only the blank image may be chosen, and each other disk says why.
 */
describeWith(['tool:sfdisk', 'tool:mkfs.ext4'], 'restore targets: what cannot be overwritten is listed but not choosable', () => {
  let dir: string;
  let repo: string;
  let blank: ImageDisk;
  let disks: ListedDisk[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-safety-'));
    const source = await imageWithExt4(dir, 'source');
    repo = path.join(dir, 'images', 'repo');
    await repositoryOf(source.file, repo, 'before repair');
    blank = await blankImage(dir, 'blank');
    const small = await blankImage(dir, 'small', 8 * MiB);
    const holder = imageDiskFacts('/dev/sdx', 'sdx', 64 * MiB, [{ number: 1, startBytes: MiB, sizeBytes: 62 * MiB }]);
    (holder.partitions[0] as HelperDisk['partitions'][number]).mountpoints = [path.join(dir, 'images')];
    holder.partitions[0]!.path = '/dev/sdx1';
    holder.path = '/dev/sdx';
    const laptopSystem = fixtureDisks('laptop-sata-nvme').find((d) => d.name === 'nvme0n1') as HelperDisk;
    disks = [...fixtureDisks('usb-stick'), laptopSystem, holder, small.disk, blank.disk];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function atTargetStep() {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'restore' });
    await app.waitFor(`Repository ${repo}`);
    await app.press(KEY.enter);
    await app.waitFor('newest first');
    await app.press(KEY.enter);
    await app.waitFor('Test disk blank');
    return app;
  }

  /** Highlights the nth line of the target list (1-based, digits jump) and returns the screen. */
  async function highlight(app: Awaited<ReturnType<typeof atTargetStep>>, n: number): Promise<string> {
    await app.press(String(n));
    return app.frame();
  }

  it('says why for each refused disk, in the words of the safety rules', async () => {
    const app = await atTargetStep();
    const reasons = new Map<string, string>();
    for (let n = 1; n <= 9; n++) {
      const frame = await highlight(app, n);
      expectFitsConsole(frame);
      const line = /^> (.*)$/m.exec(frame)?.[1] ?? '';
      const name = line.includes('Test disk') ? (/Test disk (\w+)/.exec(line)?.[1] ?? '') : (line.split(' ')[0] ?? '');
      reasons.set(name, /Cannot be chosen: ([\s\S]*?)\n\n/.exec(frame)?.[1]?.replace(/\s*\n\s*/g, ' ') ?? 'choosable');
    }
    expect(reasons.get('/dev/sdb')).toBe('/dev/sdb is the medium Lifeboat booted from.');
    expect(reasons.get('/dev/loop0')).toBe('/dev/loop0 has mounted filesystems (/run/live/rootfs/filesystem.squashfs); unmount them first.');
    expect(reasons.get('/dev/nvme0n1')).toBe('/dev/nvme0n1 holds the running system.');
    expect(reasons.get('sdx')).toBe(`/dev/sdx holds the repository ${repo}.`);
    expect(reasons.get('/dev/mmcblk0')).toBe('/dev/mmcblk0 is read-only (a write-protect switch, or a read-only device).');
    expect(reasons.get('/dev/sdc')).toBe('/dev/sdc has no medium (an empty card reader or drive).');
    // vda is this fixture's mounted virtio disk; on a machine whose /tmp is device 254:0 it also holds the repository.
    expect(reasons.get('/dev/vda')).toMatch(
      /^\/dev\/vda (has mounted filesystems \(\/mnt\/data, \/mnt\/share\); unmount them first|holds the repository .*)\.$/,
    );
    expect(reasons.get('small')).toMatch(/too small: it has 8388608 bytes and the snapshot needs \d+\. Nothing was written/);
    expect(reasons.get('blank')).toBe('choosable');
    app.unmount();
  });

  it('Enter on a refused disk does nothing; on the blank disk it shows the plan, old and new side by side', async () => {
    const app = await atTargetStep();
    await highlight(app, 3); // /dev/sdb, the boot medium
    await app.press(KEY.enter);
    expect(app.frame()).toContain('Step 3 of 6');
    await highlight(app, 9);
    await app.press(KEY.enter);
    const plan = await app.waitFor('Step 4 of 6: The plan');
    expect(plan).toContain(`Target: ${blank.file}`);
    expect(plan).toMatch(/Now \(ALL OF THIS WILL BE DESTROYED\): +After \(GPT from the snapshot\):/);
    expect(plan).toMatch(/\(no partitions\) +1 +14\.0 MiB +ext4 "source"/);
    expect(plan).toContain('The old partition table is cleared first; the GPT table is written last.');
    expectFitsConsole(plan);
    app.unmount();
  });

  it('the confirmation must be the target name typed exactly: anything else writes nothing', async () => {
    expect(confirmationMatches('blank', 'blank', blank.file)).toBe(true);
    expect(confirmationMatches(` ${blank.file} `, 'blank', blank.file)).toBe(true);
    expect(confirmationMatches('blan', 'blank', blank.file)).toBe(false);
    expect(confirmationMatches('', 'blank', blank.file)).toBe(false);
    expect(confirmationMatches('y', 'blank', blank.file)).toBe(false);

    const app = await atTargetStep();
    await highlight(app, 9);
    await app.press(KEY.enter);
    await app.waitFor('Step 4 of 6');
    await app.press(KEY.enter);
    await app.waitFor("type the target's name, blank");
    await app.type('sdb');
    await app.press(KEY.enter);
    const refused = await app.waitFor('is not blank');
    expect(refused).toContain('"sdb" is not blank. Nothing was written');
    expectFitsConsole(refused);
    await app.press(KEY.enter);
    expect(app.frame()).toContain('Step 5 of 6: Confirm');
    // Nothing reached the disk: the blank image is still all zeros.
    expect((await readFile(blank.file)).every((byte) => byte === 0)).toBe(true);
    app.unmount();
  });
});
