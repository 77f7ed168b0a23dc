import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ListedDisk } from '../../../recovery/disks/disk-table.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { sha256File as sha256 } from '../../helpers/file-hash.js';
import { describeWith } from '../../helpers/requirements.js';
import { blankImage, drive, expectFitsConsole, imageWithExt4, inspected, KEY, testBackend, type Driven, type ImageDisk } from './harness.js';

/** sfdisk's dump of an image file with its own name taken out, so two files with one table compare equal. */
async function tableOf(file: string): Promise<string> {
  const { stdout } = await execa('sfdisk', ['--dump', file]);
  return stdout.split(file).join('<disk>');
}

/**
 * Capture, restore, verify and clone driven through the screens by key presses, with the real
 * engine underneath, on image files standing in for disks. The restored and cloned images must be
 * byte-identical to the source (a fresh image's free space is zeros, which is what a used-block
 * restore leaves there too), with the same partition table.
 */
describeWith(['tool:sfdisk', 'tool:mkfs.ext4'], 'capture, restore, verify and clone through the terminal UI', () => {
  let dir: string;
  let source: ImageDisk;
  let target: ImageDisk;
  let copy: ImageDisk;
  let disks: ListedDisk[];
  let repo: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-flow-'));
    source = await imageWithExt4(dir, 'source');
    target = await blankImage(dir, 'target');
    copy = await blankImage(dir, 'copy');
    disks = await inspected([source.disk, target.disk, copy.disk]);
    repo = path.join(dir, 'repo');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function typePath(app: Driven, folder: string): Promise<void> {
    await app.waitFor('Type a folder path...');
    await app.highlight('Type a folder path...');
    await app.press(KEY.enter);
    await app.waitFor('Tab: complete');
    await app.type(folder);
    await app.press(KEY.enter);
  }

  it('captures the whole source disk into a new repository, checked afterwards', async () => {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'capture' });
    const first = await app.waitFor('Test disk copy');
    expect(first).toMatch(/^> .*Test disk source/m);
    expect(first).toMatch(/sourcep1 +14\.0 MiB +ext4 "source"/);
    expectFitsConsole(first);
    await app.press(KEY.enter);
    await typePath(app, repo);
    const options = await app.waitFor('Step 3 of 5: Options');
    expect(options).toContain('level 3: fast, good size (recommended)');
    expectFitsConsole(options);
    await app.press(KEY.down);
    await app.waitFor(/^> Note/m);
    await app.type('first capture');
    await app.waitFor('first capture');
    await app.press(KEY.enter);
    const summary = await app.waitFor('Step 4 of 5: Summary');
    expect(summary).toContain(`Into         ${repo}`);
    expect(summary).toContain('a new repository');
    expect(summary).toContain('zstd level 3, checked afterwards, note "first capture"');
    expectFitsConsole(summary);
    await app.press(KEY.enter);
    const result = await app.waitFor('saved in a new repository', 240_000);
    expect(result).toMatch(/Check +all \d+ chunks read back and intact/);
    expect(result).toMatch(/Image size +\d+\.\d (KiB|MiB) added/);
    expectFitsConsole(result);
    await app.press(KEY.enter);
    await app.waitFor('What do you want to do?');
    app.unmount();
    const { snapshots } = await (await Repository.open(repo)).listSnapshots();
    expect(snapshots.map((s) => s.description.note)).toEqual(['first capture']);
  });

  it('restores it onto a blank disk after the typed confirmation: the same bytes and table', async () => {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'restore' });
    await typePath(app, repo);
    const snapshots = await app.waitFor('newest first');
    expect(snapshots).toContain('"first capture"');
    await app.press(KEY.enter);
    await app.waitFor('Test disk target');
    await app.press('2', KEY.enter);
    await app.waitFor('Step 4 of 6: The plan');
    await app.press(KEY.enter);
    await app.waitFor("type the target's name, target");
    await app.type('target');
    await app.press(KEY.enter);
    const result = await app.waitFor('Restored snapshot', 240_000);
    expect(result).toMatch(/Check +read back \d+ chunks and the partition table: identical/);
    expect(result).not.toContain('Reboot now');
    expectFitsConsole(result);
    app.unmount();
    expect(await tableOf(target.file)).toBe(await tableOf(source.file));
    expect(await sha256(target.file)).toBe(await sha256(source.file));
  });

  it('verifies the repository, then compares the restored disk with the snapshot', async () => {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'verify' });
    await typePath(app, repo);
    await app.waitFor('Check every snapshot (1)');
    await app.press(KEY.enter);
    const intact = await app.waitFor('are intact', 240_000);
    expect(intact).toMatch(/All \d+ chunks of 1 snapshot\(s\) are intact/);
    expectFitsConsole(intact);
    await app.press(KEY.enter);
    await app.waitFor('What do you want to do?');
    await app.press(KEY.down, KEY.down, KEY.down, KEY.enter);
    await typePath(app, repo);
    await app.waitFor('Compare a disk');
    await app.press('3', KEY.enter);
    await app.waitFor('newest first');
    await app.press(KEY.enter);
    await app.waitFor('Which disk? (it is only read)');
    await app.press('2', KEY.enter);
    const matches = await app.waitFor('matches the snapshot', 240_000);
    expect(matches.replace(/\s+/g, ' ')).toMatch(
      new RegExp(`${target.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} matches the snapshot: the partition table and \\d+ chunks compared`),
    );
    app.unmount();
  });

  it('clones the source onto another blank disk, byte for byte', async () => {
    const app = drive({ backend: testBackend(() => disks), initialRoute: 'clone' });
    await app.waitFor('Test disk copy');
    await app.press(KEY.enter);
    await app.waitFor('Step 2 of 5');
    await app.waitFor('Test disk copy');
    await app.press('1');
    expect(app.frame()).toMatch(/Cannot be chosen: .*source\.img is the source itself\./);
    await app.press(KEY.enter);
    expect(app.frame()).toContain('Step 2 of 5');
    await app.press('3', KEY.enter);
    const plan = await app.waitFor('Copies ');
    expect(plan).toMatch(/After \(a copy of source\):/);
    expectFitsConsole(plan);
    await app.press(KEY.enter);
    await app.waitFor("type the target's name, copy");
    await app.type('copy');
    await app.press(KEY.enter);
    const result = await app.waitFor('Cloned ', 240_000);
    expect(result).toMatch(/read back \d+ chunks and the partition table: identical/);
    app.unmount();
    expect(await sha256(copy.file)).toBe(await sha256(source.file));
  });
});
