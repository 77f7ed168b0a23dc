import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { checkFilesystem, sfdiskDump } from '../../helpers/fs-checkers.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { withoutLastLba } from '../../helpers/round-trip-checks.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { buildGptDisk, type SourceDisk } from '../../helpers/source-disks.js';
import { compareTrees, treeDigest, type TreeDigest } from '../../helpers/tree-hash.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, jsonLines, lifeboat, resultOf, sha256File } from './cli-pipeline.js';
import { addBulk, errorCode, makeDecoy, runAndKill, showPartitions, targetState, writeDecoy, type Decoy, type TargetState } from './restore-kill.js';

const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:sfdisk',
  'tool:sgdisk',
  'tool:blkid',
  'tool:mkfs.ext4',
  'tool:mkntfs',
  'tool:mkfs.fat',
  'tool:e2fsck',
  'tool:ntfsfix',
  'tool:fsck.fat',
  'tool:mcopy',
  'tool:ntfs-3g',
] as const;
const KILLS = 20;
// The killed restores run with --no-precheck, so their time is spent writing (a precheck only
// reads the repository); every resume proves its chunks as usual.
/** The full oracles (filesystem checkers, file trees) on every FULL_CHECK_EVERY-th kill; table and verify --against on all. */
const FULL_CHECK_EVERY = 5;

/** The restored table may differ from the source's only by the last usable LBA (the target is larger). */
const normalize = withoutLastLba;

describeWith([...NEEDS], 'a restore killed at any moment leaves no partition table, and --resume finishes it', () => {
  const scratch = useScratch('all');
  let source: SourceDisk;
  let sourceDump = '';
  let sourceTrees: Map<number, TreeDigest>;
  let repo = '';
  let target = { file: '', device: '', name: '' };
  let full = { ms: 0, writtenBytes: 0 };
  let decoy: Decoy;
  let snapshotA = '';
  const restoreArgs = (...more: string[]) => [
    'restore',
    '--repo',
    repo,
    '--target',
    target.device,
    '--yes',
    '--confirm-target',
    target.name,
    '--json',
    ...more,
  ];

  beforeAll(async () => {
    source = await buildGptDisk(scratch(), 'crash-source.img');
    await addBulk(`${source.device}p3`, 3, 16);
    sourceDump = normalize(await sfdiskDump(source.device));
    sourceTrees = new Map();
    for (const p of source.partitions) if (p.fs !== 'none') sourceTrees.set(p.number, await treeDigest(p.device, p.fs));
    repo = path.join(scratch().dir, 'repo');
    const captured = await lifeboat('capture', '--source', source.device, '--repo', repo, '--json');
    expect(captured.exitCode, captured.stdout + captured.stderr).toBe(0);
    snapshotA = String(resultOf(captured.stdout)['snapshot']);
    const targetBytes = 256 * MiB + 32 * MiB;
    decoy = await makeDecoy(await scratch().sparseFile('decoy.img', targetBytes));
    const file = await scratch().sparseFile('crash-target.img', targetBytes);
    const device = await scratch().attach(file);
    target = { file, device, name: path.basename(device) };
    // The measured duration of a whole restore, start to exit: the kills are spread over it. The
    // first restore onto the sparse file also allocates its blocks, which the later ones do not;
    // of the two after it the shorter counts (other work on the machine only ever adds time).
    for (const pass of ['warm-up', 'measured', 'measured again']) {
      await writeDecoy(target.device, decoy);
      const started = Date.now();
      const restored = await lifeboat(...restoreArgs('--no-precheck'));
      expect(restored.exitCode, `${pass}: ${restored.stdout}`).toBe(0);
      const ms = Date.now() - started;
      if (pass === 'warm-up' || ms < full.ms) full = { ms, writtenBytes: Number(resultOf(restored.stdout)['writtenBytes']) };
    }
  }, 240_000);

  async function expectRestored(round: number): Promise<void> {
    expect(normalize(await sfdiskDump(target.device)), `round ${round}: the table`).toBe(sourceDump);
    const against = await lifeboat('verify', '--repo', repo, '--against', target.device);
    expect(against.exitCode, `round ${round}: verify --against\n${against.stderr}`).toBe(0);
    if (round % FULL_CHECK_EVERY !== 0) return;
    await showPartitions(target.device);
    for (const p of source.partitions) {
      if (p.fs === 'none') continue;
      const copy = `${target.device}p${p.number}`;
      const check = await checkFilesystem(copy, p.fs);
      expect(check.ok, `round ${round}: ${check.output}`).toBe(true);
      expect(compareTrees(sourceTrees.get(p.number) as TreeDigest, await treeDigest(copy, p.fs)), `round ${round}: partition ${p.number}`).toEqual([]);
    }
  }

  it(`SIGKILL at ${KILLS} seeded random moments: never a table that is not the old one or the whole restored one; --resume then finishes`, async () => {
    const random = seededRandom(0x6b111);
    const states: Record<TargetState | 'resumed' | 'nothing-to-resume', number> = {
      untouched: 0,
      'no-table': 0,
      restored: 0,
      other: 0,
      resumed: 0,
      'nothing-to-resume': 0,
    };
    let savedBytes = 0;
    const started = Date.now();
    for (let round = 1; round <= KILLS; round++) {
      await writeDecoy(target.device, decoy);
      const delayMs = Math.round(random() * full.ms);
      await runAndKill(restoreArgs('--no-precheck'), { delayMs });
      const { state, detail } = await targetState(target.device, decoy.dump, (dump) => normalize(dump) === sourceDump);
      states[state]++;
      expect(state, `round ${round}, killed after ${delayMs} ms: ${detail}`).not.toBe('other');
      if (state === 'restored') {
        // Killed after its last write: the whole restore is there.
        await expectRestored(round);
        continue;
      }
      const resumed = await lifeboat(...restoreArgs('--resume'));
      const code = errorCode(jsonLines(resumed.stdout));
      if (state === 'untouched') {
        expect(code, `round ${round}: nothing was written, so there is nothing to resume`).toBe('NOTHING_TO_RESUME');
      }
      if (code === 'NOTHING_TO_RESUME') {
        states['nothing-to-resume']++;
        const fresh = await lifeboat(...restoreArgs());
        expect(fresh.exitCode, fresh.stdout).toBe(0);
      } else {
        expect(resumed.exitCode, `round ${round}: ${resumed.stdout.slice(-600)}`).toBe(0);
        const result = resultOf(resumed.stdout);
        expect(result['resumed']).toBe(true);
        expect(Number(result['writtenBytes']) + Number(result['skippedBytes'])).toBe(full.writtenBytes);
        savedBytes += Number(result['skippedBytes']);
        states.resumed++;
      }
      await expectRestored(round);
    }
    console.info(
      `restore kill test: ${KILLS} kills over ${full.ms} ms restores in ${((Date.now() - started) / 1000).toFixed(1)} s; states ${JSON.stringify(states)}; resumes skipped ${(savedBytes / MiB).toFixed(1)} MiB in all (a full restore writes ${(full.writtenBytes / MiB).toFixed(1)} MiB)`,
    );
    expect(states.untouched + states['no-table'] + states.restored).toBe(KILLS);
    // The kills did land while data was being written (how many depends on the machine's load).
    expect(states.resumed).toBeGreaterThan(0);
  }, 300_000);

  it('after a late kill the resumed run writes less than a full restore: it starts at the last checkpoint', async () => {
    await writeDecoy(target.device, decoy);
    const late = await runAndKill(restoreArgs('--no-precheck'), {
      when: (line) => line['type'] === 'progress' && Number(line['durableBytes'] ?? 0) >= full.writtenBytes / 2,
    });
    expect(late.killed, 'the restore was still running at its half-way checkpoint').toBe(true);
    const durable = Number(late.trigger?.['durableBytes']);
    expect(await targetState(target.device, '', () => false)).toEqual({ state: 'no-table', detail: '' });
    const resumed = await lifeboat(...restoreArgs('--resume', '--verify'));
    expect(resumed.exitCode, resumed.stdout.slice(-600)).toBe(0);
    const result = resultOf(resumed.stdout);
    expect(Number(result['skippedBytes'])).toBeGreaterThanOrEqual(durable);
    expect(Number(result['writtenBytes'])).toBeLessThan(full.writtenBytes);
    expect(result['verified']).toBe(true);
    console.info(
      `restore resume: killed with ${(durable / MiB).toFixed(1)} MiB durable; the resume wrote ${(Number(result['writtenBytes']) / MiB).toFixed(1)} MiB and skipped ${(Number(result['skippedBytes']) / MiB).toFixed(1)} MiB (a full restore writes ${(full.writtenBytes / MiB).toFixed(1)} MiB)`,
    );
    await expectRestored(FULL_CHECK_EVERY);
    // A finished restore leaves no journal behind.
    const again = await lifeboat(...restoreArgs('--resume'));
    expect(errorCode(jsonLines(again.stdout))).toBe('NOTHING_TO_RESUME');
  }, 120_000);

  it('Ctrl-C stops at the next chunk, records what it finished, and --resume continues from there', async () => {
    await writeDecoy(target.device, decoy);
    const interrupted = await runAndKill(restoreArgs('--no-precheck'), {
      signal: 'SIGINT',
      when: (line) => line['type'] === 'progress' && Number(line['durableBytes'] ?? 0) > 0,
    });
    expect(interrupted.exitCode).toBe(1);
    expect(errorCode(interrupted.lines)).toBe('CANCELLED');
    expect(JSON.stringify(interrupted.lines.at(-1))).toContain('--resume');
    const durable = Math.max(...interrupted.lines.map((line) => Number(line['durableBytes'] ?? 0)));
    expect((await targetState(target.device, decoy.dump, () => false)).state).toBe('no-table');
    const resumed = await lifeboat(...restoreArgs('--resume'));
    expect(resumed.exitCode, resumed.stdout.slice(-600)).toBe(0);
    expect(Number(resultOf(resumed.stdout)['skippedBytes'])).toBeGreaterThanOrEqual(durable);
    await expectRestored(1);
  }, 120_000);

  it('a partition restore killed half-way leaves a partition in which nothing recognises a filesystem; --resume finishes it', async () => {
    await writeDecoy(target.device, decoy);
    const restored = await lifeboat(...restoreArgs('--snapshot', snapshotA));
    expect(restored.exitCode, restored.stdout.slice(-600)).toBe(0);
    const partition = `${target.device}p3`;
    const args = [
      'restore',
      '--repo',
      repo,
      '--snapshot',
      snapshotA,
      '--partition',
      '3',
      '--target',
      partition,
      '--yes',
      '--confirm-target',
      path.basename(partition),
      '--json',
    ];
    const killed = await runAndKill([...args, '--no-precheck'], { when: (line) => line['type'] === 'progress' && Number(line['durableBytes'] ?? 0) > 0 });
    expect(killed.killed).toBe(true);
    // The superblock (at 1 KiB) was written long ago by the first restore and is zero now, until the
    // restore's last step. blkid still names the partition's table entry (PART_ENTRY_*), nothing else.
    const probe = await execa('blkid', ['-p', '-o', 'export', partition], { reject: false, all: true });
    expect(probe.all).toContain('PART_ENTRY_NUMBER=3');
    expect(probe.all).not.toMatch(/^(TYPE|USAGE|UUID|LABEL)=/m);
    const resumed = await lifeboat(...args, '--resume');
    expect(resumed.exitCode, resumed.stdout.slice(-600)).toBe(0);
    expect(Number(resultOf(resumed.stdout)['skippedBytes'])).toBeGreaterThan(0);
    const check = await checkFilesystem(partition, 'ext4');
    expect(check.ok, check.output).toBe(true);
    const against = await lifeboat('verify', '--repo', repo, '--snapshot', snapshotA, '--partition', '3', '--against', partition);
    expect(against.exitCode, against.stderr).toBe(0);
  }, 120_000);

  it('--resume refuses another snapshot, another disk and a disk with no journal; a normal restore over a journal warns and starts over', async () => {
    // A second snapshot of the same machine, one file changed.
    await withMount(`${source.device}p3`, 'ext4', 'rw', (root) => writeFile(path.join(root, 'changed.txt'), 'after the first capture\n'));
    const second = await lifeboat('capture', '--source', source.device, '--repo', repo, '--json');
    expect(second.exitCode, second.stdout).toBe(0);
    const snapshotB = String(resultOf(second.stdout)['snapshot']);
    expect(snapshotB).not.toBe(snapshotA);
    const halfWay = (line: Record<string, unknown>) => line['type'] === 'progress' && Number(line['durableBytes'] ?? 0) > 0;

    await writeDecoy(target.device, decoy);
    const killed = await runAndKill(restoreArgs('--snapshot', snapshotA, '--no-precheck'), { when: halfWay });
    expect(killed.killed).toBe(true);

    const otherSnapshot = await lifeboat(...restoreArgs('--resume', '--snapshot', snapshotB));
    expect(otherSnapshot.exitCode).toBe(1);
    expect(errorCode(jsonLines(otherSnapshot.stdout))).toBe('RESUME_MISMATCH');
    expect(otherSnapshot.stdout).toContain(`is of snapshot ${snapshotA}, not ${snapshotB}`);

    // A disk that never saw this restore has nothing to resume, and is left as it was.
    const fresh = await scratch().sparseFile('fresh.img', 256 * MiB + 32 * MiB);
    const freshDevice = await scratch().attach(fresh);
    await writeDecoy(freshDevice, decoy);
    const before = await sha256File(freshDevice);
    const nothing = await lifeboat(
      'restore',
      '--repo',
      repo,
      '--target',
      freshDevice,
      '--resume',
      '--yes',
      '--confirm-target',
      path.basename(freshDevice),
      '--json',
    );
    expect(errorCode(jsonLines(nothing.stdout))).toBe('NOTHING_TO_RESUME');
    expect(nothing.stdout).toContain('holds no unfinished Lifeboat restore');
    expect(await sha256File(freshDevice)).toBe(before);

    // The killed target's bytes on a larger disk: the journal is there, but it names another disk.
    const copy = path.join(scratch().dir, 'copy.img');
    await execa('dd', [`if=${target.device}`, `of=${copy}`, 'bs=4M', 'conv=sparse', 'status=none']);
    await execa('truncate', ['--size', '+16M', copy]);
    const copyDevice = await scratch().attach(copy);
    const otherDisk = await lifeboat(
      'restore',
      '--repo',
      repo,
      '--target',
      copyDevice,
      '--resume',
      '--yes',
      '--confirm-target',
      path.basename(copyDevice),
      '--json',
    );
    expect(errorCode(jsonLines(otherDisk.stdout))).toBe('RESUME_MISMATCH');
    expect(otherDisk.stdout).toContain('was written for another disk');

    // Without --snapshot, --resume continues the snapshot the journal names, not the latest.
    const resumed = await lifeboat(...restoreArgs('--resume'));
    expect(resumed.exitCode, resumed.stdout.slice(-600)).toBe(0);
    expect(resultOf(resumed.stdout)['snapshot']).toBe(snapshotA);
    expect(Number(resultOf(resumed.stdout)['skippedBytes'])).toBeGreaterThan(0);
    const against = await lifeboat('verify', '--repo', repo, '--snapshot', snapshotA, '--against', target.device);
    expect(against.exitCode, against.stderr).toBe(0);

    // A plain restore over an unfinished one says so, then starts from the beginning.
    const again = await runAndKill(restoreArgs('--no-precheck'), { when: halfWay });
    expect(again.killed).toBe(true);
    const over = await lifeboat(...restoreArgs());
    expect(over.exitCode, over.stdout.slice(-600)).toBe(0);
    const warnings = jsonLines(over.stdout)
      .filter((line) => line['type'] === 'warning')
      .map((line) => String(line['message']));
    expect(warnings.some((w) => w.includes(`holds an unfinished restore of snapshot ${snapshotB}`) && w.includes('add --resume'))).toBe(true);
    expect(resultOf(over.stdout)['resumed']).toBe(false);
    expect(Number(resultOf(over.stdout)['skippedBytes'])).toBe(0);
  }, 180_000);
});
