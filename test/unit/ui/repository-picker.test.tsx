import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ListedDisk } from '../../../recovery/disks/disk-table.js';
import type { InspectedDisk } from '../../../recovery/disks/inspect-disks.js';
import type { MountedFilesystem } from '../../../recovery/ui/backend/types.js';
import { describeWith } from '../../helpers/requirements.js';
import { drive, expectFitsConsole, fixtureDisks, imageDiskFacts, imageWithExt4, KEY, repositoryOf, testBackend, type Driven } from './harness.js';

const MiB = 1024 * 1024;

/** A USB stick with an exFAT partition nobody has mounted: the picker offers to mount it. */
function stickWithExfat(): InspectedDisk {
  const facts = imageDiskFacts('/dev/sdz', 'sdz', 1024 * MiB, [{ number: 1, startBytes: MiB, sizeBytes: 1000 * MiB }]);
  const partition = { ...facts.partitions[0]!, path: '/dev/sdz1', name: 'sdz1' };
  return {
    ...facts,
    path: '/dev/sdz',
    transport: 'usb',
    removable: true,
    filesystem: null,
    inspectProblem: null,
    partitionTableWarnings: [],
    partitions: [
      {
        ...partition,
        filesystemProblem: null,
        filesystem: {
          type: 'exfat',
          version: null,
          label: 'STICK',
          uuid: null,
          sizeBytes: 1000 * MiB,
          blockSizeBytes: 4096,
          usedBytes: 200 * MiB,
          freeBytes: 800 * MiB,
          dirty: false,
          dirtyReason: null,
        },
      },
    ],
  };
}

describeWith(['tool:sfdisk', 'tool:mkfs.ext4'], 'choosing where the image goes or is', () => {
  let dir: string;
  let repo: string;
  let disks: ListedDisk[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-pick-'));
    const source = await imageWithExt4(dir, 'source');
    repo = path.join(dir, 'stick', 'images', 'pc-42');
    await repositoryOf(source.file, repo, 'monday');
    await mkdir(path.join(dir, 'busy'));
    await writeFile(path.join(dir, 'busy', 'holiday.jpg'), 'not an image repository');
    disks = [...fixtureDisks('usb-stick'), stickWithExfat()];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function toFolderField(app: Driven): Promise<void> {
    await app.waitFor('Type a folder path...');
    await app.highlight('Type a folder path...');
    await app.press(KEY.enter);
    await app.waitFor('Tab: complete');
  }

  async function captureOfVda(): Promise<Driven> {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'capture' });
    await app.waitFor('/dev/vda');
    await app.press('7', KEY.enter);
    return app;
  }

  it('refuses a folder that holds other files, and one on the disk being captured, saying what to do', async () => {
    const app = await captureOfVda();
    await toFolderField(app);
    await app.type(path.join(dir, 'busy'));
    await app.press(KEY.enter);
    const busy = await app.waitFor('already holds other files');
    expect(busy.replace(/\s+/g, ' ')).toContain(
      `${path.join(dir, 'busy')} already holds other files. Choose an empty or new folder, for example ${path.join(dir, 'busy', 'lifeboat')}.`,
    );
    expectFitsConsole(busy);
    await app.press(KEY.ctrlU);
    await app.type('/mnt/data/images');
    await app.press(KEY.enter);
    const same = await app.waitFor('the disk being captured');
    expect(same.replace(/\s+/g, ' ')).toContain('/mnt/data/images is on /dev/vda, the disk being captured; the image must go to another disk.');
    app.unmount();
  });

  it('an existing repository gets a new snapshot, and the summary says so', async () => {
    const app = await captureOfVda();
    await toFolderField(app);
    await app.type(repo);
    await app.press(KEY.enter);
    await app.waitFor('Step 3 of 5');
    await app.press(KEY.enter);
    const summary = await app.waitFor('Step 4 of 5');
    expect(summary).toContain('existing repository with 1 snapshot(s): a new snapshot is added');
    app.unmount();
  });

  it('Tab completes a folder name as a shell would', async () => {
    const app = await captureOfVda();
    await toFolderField(app);
    await app.type(path.join(dir, 'sti'));
    await app.press(KEY.tab);
    expect(await app.waitFor(`${path.join(dir, 'stick')}/`)).toContain(`> ${path.join(dir, 'stick')}/`);
    app.unmount();
  });

  it('a typed folder above repositories lists them; choosing one shows its snapshots', async () => {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'restore' });
    await toFolderField(app);
    await app.type(path.join(dir, 'stick'));
    await app.press(KEY.enter);
    const found = await app.waitFor(`Repositories in ${path.join(dir, 'stick')}:`);
    expect(found).toContain(`Repository ${repo}  (1 snapshot)`);
    await app.press(KEY.enter);
    expect(await app.waitFor('newest first')).toContain('"monday"');
    app.unmount();
  });

  it('mounts an unmounted stick partition when chosen, finds the repository on it, and unmounts it on the way back', async () => {
    const calls: string[] = [];
    const mountpoint = path.join(dir, 'stick');
    const backend = testBackend(() => disks, {
      mount: async (device, fsType): Promise<MountedFilesystem> => {
        calls.push(`mount ${device} ${fsType}`);
        return { device, fsType, mountpoint };
      },
      unmount: async (mounted) => {
        calls.push(`unmount ${mounted.device}`);
      },
    });
    const app = drive({ backend, initialRoute: 'restore' });
    const where = await app.waitFor('Mount sdz1');
    expect(where).toContain('Mount sdz1, exfat, "STICK", 800.0 MiB free');
    expect(where).toMatch(/Folder on \/mnt\/data +\(vda5/);
    expectFitsConsole(where);
    await app.highlight('Mount sdz1');
    await app.press(KEY.enter);
    const found = await app.waitFor(`Repositories in ${mountpoint}:`);
    expect(calls).toEqual(['mount /dev/sdz1 exfat']);
    expect(found).toContain(`Repository ${repo}  (1 snapshot)`);
    await app.press(KEY.escape);
    await app.waitFor('Where is the image?');
    expect(calls).toEqual(['mount /dev/sdz1 exfat', 'unmount /dev/sdz1']);
    app.unmount();
  });
});
