/**
 * The terminal UI end to end: the built app in a real terminal (tmux, 80x25, TERM=linux), driven
 * by key presses only and read from the screen, captures a GPT disk (FAT32 + ext4) on a loop
 * device into a repository folder typed on screen, then restores it onto another loop device.
 * The restored disk is checked with the round-trip tests' oracles: sfdisk -d, sgdisk -v, the
 * filesystems' own checkers and file-tree digests. With LIFEBOAT_SCREENS_DIR set, the screens
 * are saved there as text (docs/user-guide.md shows them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { checkFilesystem, sfdiskDump, sgdiskVerify } from '../helpers/fs-checkers.js';
import { useScratch } from '../helpers/loop-device.js';
import { describeWith } from '../helpers/requirements.js';
import { buildSmallGptDisk, type SourceDisk } from '../helpers/source-disks.js';
import { TmuxTerminal } from '../helpers/tmux-terminal.js';
import { compareTrees, treeDigest } from '../helpers/tree-hash.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'build/recovery/cli/main.js');
const MiB = 1024 * 1024;
/** A capture or restore of the small disk takes seconds; only one that never ends reaches this. */
const JOB_DEADLINE_MS = 600_000;
const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:tmux',
  'tool:sgdisk',
  'tool:sfdisk',
  'tool:mkfs.ext4',
  'tool:mkfs.fat',
  'tool:e2fsck',
  'tool:fsck.fat',
  'tool:mcopy',
  'tool:setfattr',
] as const;

class Terminal extends TmuxTerminal {
  /** Waits for `done`, keeping the last progress screen seen part-way (for the user guide). */
  async watchProgress(done: string): Promise<{ progress: string | null; done: string }> {
    let progress: string | null = null;
    const finished = await this.waitFor((screen) => {
      const overall = /^Overall .*?(\d+)%$/m.exec(screen);
      if (overall && Number(overall[1]) > 0 && Number(overall[1]) < 100) progress = screen;
      return screen.includes(done);
    }, JOB_DEADLINE_MS);
    return { progress, done: finished };
  }
}

function expectConsoleText(screen: string): void {
  expect(/^[\x20-\x7e\n]*$/.test(screen), `only ASCII on the Linux console:\n${screen}`).toBe(true);
  for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
}

describeWith([...NEEDS], 'the terminal UI captures and restores a disk on an 80x25 Linux console, by key presses only', () => {
  const scratch = useScratch('all');
  let source: SourceDisk;
  let target: string;
  let repo: string;
  const saved = new Map<string, string>();

  async function save(name: string, screen: string): Promise<void> {
    expectConsoleText(screen);
    saved.set(name, screen);
    const dir = process.env['LIFEBOAT_SCREENS_DIR'];
    if (dir) {
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `${name}.txt`), `${screen.replace(/\s+$/, '')}\n`);
    }
  }

  beforeAll(async () => {
    source = await buildSmallGptDisk(scratch(), 'tui-source.img');
    target = await scratch().attach(await scratch().sparseFile('tui-target.img', 128 * MiB));
    repo = path.join(scratch().dir, 'images', 'pc-42');
  });

  it(
    'captures, then restores onto a blank disk: same table, sound filesystems, identical files',
    async () => {
      const started = Date.now();
      const term = new Terminal(`lifeboat-tui-e2e-${process.pid}`);
      const command = `env -u CI TERM=linux LIFEBOAT_LIVE=0 ${process.execPath} ${CLI}`;
      await term.start(command);
      try {
        const loaded = (s: string) => /\d+ disk\(s\) found\.$/m.test(s);
        await save('home', await term.waitFor(loaded));

        // Capture: the whole source disk, into a folder typed on screen, with a note, checked afterwards.
        await term.keys('Enter');
        await term.waitFor('Step 1 of 5');
        await save('capture-source', await term.highlight(new RegExp(`^> ${source.device} `)));
        await term.keys('Enter');
        await save('capture-where', await term.waitFor((s) => s.includes('Where should the image go?') && !s.includes('Looking for repositories')));
        await term.highlight(/^> Type a folder path/);
        await term.keys('Enter');
        await term.waitFor('Tab: complete');
        await term.type(repo);
        await term.keys('Enter');
        await term.waitFor('Step 3 of 5: Options');
        await term.keys('Down');
        await term.waitFor(/^> Note/m);
        await term.type('before the repair');
        await save('capture-options', await term.waitFor('before the repair'));
        await term.keys('Enter');
        const summary = await term.waitFor('Step 4 of 5: Summary');
        expect(summary).toContain(`Into         ${repo}`);
        await save('capture-summary', summary);
        await term.keys('Enter');
        const capturing = await term.watchProgress('saved in a new repository');
        if (capturing.progress) await save('capture-progress', capturing.progress);
        const captured = capturing.done;
        expect(captured).toMatch(/Check +all \d+ chunks read back and intact/);
        await save('capture-result', captured);
        await term.keys('Enter');
        await term.waitFor(loaded);

        // Restore: the repository typed again, the snapshot, the blank disk, the plan, the typed name.
        await term.keys('Down', 'Enter');
        await save('restore-where', await term.waitFor((s) => s.includes('Where is the image?') && !s.includes('Looking for repositories')));
        await term.highlight(/^> Type a folder path/);
        await term.keys('Enter');
        await term.waitFor('Tab: complete');
        await term.type(repo);
        await term.keys('Enter');
        const snapshots = await term.waitFor('newest first');
        expect(snapshots).toContain('"before the repair"');
        await save('restore-snapshot', snapshots);
        await term.keys('Enter');
        await term.waitFor((s) => s.includes('Step 3 of 6') && !s.includes('Reading the disks'));
        // The machine's own disk is listed but refused, and says why.
        const refused = await term.highlight(/^> \/dev\/vda /);
        expect(refused).toContain('Cannot be chosen: /dev/vda holds the running system.');
        await save('restore-target-refused', refused);
        await save('restore-target', await term.highlight(new RegExp(`^> ${target} `)));
        await term.keys('Enter');
        const plan = await term.waitFor('Step 4 of 6: The plan');
        expect(plan).toMatch(/1 +40\.0 MiB +FAT32 "ESP"/);
        expect(plan).toMatch(/2 +87\.0 MiB +ext4 "tui-data"/);
        await save('restore-plan', plan);
        await term.keys('Enter');
        await save('restore-confirm', await term.waitFor("type the target's name"));
        await term.type(path.basename(target));
        await term.keys('Enter');
        const restoring = await term.watchProgress('Restored snapshot');
        if (restoring.progress) await save('restore-progress', restoring.progress);
        const restored = restoring.done;
        expect(restored).toMatch(/Check +read back \d+ chunks and the partition table: identical/);
        await save('restore-result', restored);
        await term.keys('Enter');
        await term.waitFor(loaded);

        // The Disks screen reads the disks again and sees the restored partitions and filesystems.
        await term.keys('Down', 'Down', 'Down', 'Down', 'Enter');
        await term.waitFor('Enter: details');
        await save('disks', await term.highlight(new RegExp(`^> ${target} `)));
        await term.keys('Enter');
        const detail = await term.waitFor('FLAGS, MOUNTS');
        expect(detail).toContain('Partition table GPT');
        expect(detail).toMatch(new RegExp(`${path.basename(target)}p1 +40\\.0 MiB +FAT32 +"ESP"`));
        expect(detail).toMatch(new RegExp(`${path.basename(target)}p2 +87\\.0 MiB +ext4 +"tui-data"`));
        await save('disk-detail', detail);
        await term.keys('Escape');
        await term.waitFor('Enter: details');
        await term.keys('Escape');
        await term.waitFor(loaded);
        await term.keys('?');
        await save('help', await term.waitFor('Help: Lifeboat'));
        await term.keys('Escape');
        await term.waitFor(loaded);
        await term.keys('q');
        await term.waitForEnd('the app to end after q on the home screen');
      } finally {
        await term.kill();
      }
      console.log(`tui e2e: capture and restore through the screens took ${((Date.now() - started) / 1000).toFixed(1)} s`);

      expect(await sfdiskDump(target)).toBe(await sfdiskDump(source.device));
      const verified = await sgdiskVerify(target);
      expect(verified.ok, verified.output).toBe(true);
      for (const part of source.partitions) {
        if (part.fs === 'none') continue;
        const copy = `${target}p${part.number}`;
        const check = await checkFilesystem(copy, part.fs);
        expect(check.ok, check.output).toBe(true);
        expect(compareTrees(await treeDigest(part.device, part.fs), await treeDigest(copy, part.fs)), `partition ${part.number} (${part.fs})`).toEqual([]);
      }
    },
    3 * JOB_DEADLINE_MS,
  );
});
