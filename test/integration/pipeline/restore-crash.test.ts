import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { RESTORE_POINTS } from '../../../recovery/core/failpoints/restore-points.js';
import { checkFilesystem, sfdiskDump } from '../../helpers/fs-checkers.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { withoutLastLba } from '../../helpers/round-trip-checks.js';
import { buildGptDisk, type SourceDisk } from '../../helpers/source-disks.js';
import { compareTrees, treeDigest, type TreeDigest } from '../../helpers/tree-hash.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, jsonLines, lifeboat, lifeboatAt, resultOf, sha256File } from './cli-pipeline.js';
import {
  addBulk,
  certainCheckpoints,
  errorCode,
  journalOnTarget,
  makeDecoy,
  runAndSignal,
  showPartitions,
  targetState,
  writeDecoy,
  type Decoy,
  type TargetState,
} from './restore-kill.js';

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
const CHUNK_BYTES = MiB;
/** The full oracles (filesystem checkers, file trees) on the first pair of each test and on every kill that left a complete restore; table and verify --against on all. */

/** The restored table may differ from the source's only by the last usable LBA (the target is larger). */
const normalize = withoutLastLba;

type Point = (typeof RESTORE_POINTS)[number];
/** Points only a --resume run reaches (it has a journal to check). */
const resumeOnly = (point: Point) => point.name.startsWith('restore.resume-');
/**
 * What a kill at each point leaves on a whole-disk target: only sector 0, written last, makes the
 * new table appear. A point added to the table without an entry here may leave any of the three
 * allowed states (the old disk, no table, the whole restore), and is tested all the same.
 */
const EXPECTED: Record<string, TargetState> = {
  'restore.resume-checked': 'no-table',
  'restore.after-clear-head': 'no-table',
  'restore.after-clear': 'no-table',
  'restore.checkpoint': 'no-table',
  'restore.after-data': 'no-table',
  'restore.after-tail-zone': 'no-table',
  'restore.after-head-zone': 'no-table',
  'restore.after-table': 'restored',
};

describeWith([...NEEDS], 'a restore killed at any failpoint leaves the old disk, no partition table, or the whole restore; --resume finishes it', () => {
  const scratch = useScratch('all');
  let source: SourceDisk;
  let sourceDump = '';
  let sourceTrees: Map<number, TreeDigest>;
  let repo = '';
  let target = { file: '', device: '', name: '' };
  let decoy: Decoy;
  let snapshotA = '';
  /** A whole restore's used bytes, and the bytes a whole restore writes. */
  let usedBytes = 0;
  let fullWrittenBytes = 0;
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
  const everyBytes = () => Math.ceil(usedBytes / 8);

  beforeAll(async () => {
    source = await buildGptDisk(scratch(), 'crash-source.img');
    // Some incompressible data, so checkpoints fall inside one partition's files; failpoints, not
    // the restore's duration, decide where the kills land, so it need not be large.
    await addBulk(`${source.device}p3`, 1, 8);
    sourceDump = normalize(await sfdiskDump(source.device));
    sourceTrees = new Map();
    for (const p of source.partitions) if (p.fs !== 'none') sourceTrees.set(p.number, await treeDigest(p.device, p.fs));
    repo = path.join(scratch().dir, 'repo');
    const captured = await lifeboat('capture', '--source', source.device, '--repo', repo, '--chunk-size', String(CHUNK_BYTES), '--json');
    expect(captured.exitCode, captured.stdout + captured.stderr).toBe(0);
    snapshotA = String(resultOf(captured.stdout)['snapshot']);
    const targetBytes = 256 * MiB + 32 * MiB;
    decoy = await makeDecoy(await scratch().sparseFile('decoy.img', targetBytes));
    const file = await scratch().sparseFile('crash-target.img', targetBytes);
    const device = await scratch().attach(file);
    target = { file, device, name: path.basename(device) };
    await writeDecoy(target.device, decoy);
    const restored = await lifeboat(...restoreArgs('--no-precheck'));
    expect(restored.exitCode, restored.stdout.slice(-600)).toBe(0);
    fullWrittenBytes = Number(resultOf(restored.stdout)['writtenBytes']);
    usedBytes = Number(jsonLines(restored.stdout).find((line) => line['type'] === 'plan')?.['usedBytes']);
    expect(fullWrittenBytes).toBe(usedBytes);
  }, 240_000);

  async function expectRestored(what: string, full: boolean): Promise<void> {
    expect(normalize(await sfdiskDump(target.device)), `${what}: the table`).toBe(sourceDump);
    const against = await lifeboat('verify', '--repo', repo, '--against', target.device);
    expect(against.exitCode, `${what}: verify --against\n${against.stderr}`).toBe(0);
    if (!full) return;
    await showPartitions(target.device);
    for (const p of source.partitions) {
      if (p.fs === 'none') continue;
      const copy = `${target.device}p${p.number}`;
      const check = await checkFilesystem(copy, p.fs);
      expect(check.ok, `${what}: ${check.output}`).toBe(true);
      expect(compareTrees(sourceTrees.get(p.number) as TreeDigest, await treeDigest(copy, p.fs)), `${what}: partition ${p.number}`).toEqual([]);
    }
  }

  /**
   * After a kill at (point, hit): the target is the old disk, has no table at all, or holds the
   * whole restore; then it is finished (--resume where a journal is left, a plain restore where
   * none is) and checked. Returns the state and the bytes the resume found durable.
   */
  async function expectSafeAndFinish(
    what: string,
    point: Point,
    run: Awaited<ReturnType<typeof lifeboatAt>>,
    firstOfTest: boolean,
  ): Promise<{ state: TargetState; durableBytes: number }> {
    expect(run.signal, `${what}: the run reached the point and died by SIGKILL (exit ${run.exitCode}): ${run.stdout.slice(-400)}`).toBe('SIGKILL');
    const { state, detail } = await targetState(target.device, decoy.dump, (dump) => normalize(dump) === sourceDump);
    expect(state, `${what}: ${detail}`).not.toBe('other');
    const expected = EXPECTED[point.name];
    if (expected) expect(state, `${what}: the state a kill here leaves`).toBe(expected);
    const full = firstOfTest || state === 'restored';
    const journal = await journalOnTarget(target.device);
    if (state === 'untouched') expect(journal, `${what}: an untouched disk holds no journal`).toBe(false);
    const resumed = await lifeboat(...restoreArgs('--resume'));
    if (!journal) {
      expect(errorCode(jsonLines(resumed.stdout)), `${what}: no journal, nothing to resume`).toBe('NOTHING_TO_RESUME');
      if (state !== 'restored') {
        const fresh = await lifeboat(...restoreArgs());
        expect(fresh.exitCode, `${what}: a plain restore\n${fresh.stdout.slice(-600)}`).toBe(0);
      }
      await expectRestored(what, full);
      return { state, durableBytes: 0 };
    }
    expect(resumed.exitCode, `${what}: --resume\n${resumed.stdout.slice(-600)}`).toBe(0);
    const lines = jsonLines(resumed.stdout);
    const durableBytes = Number((lines.find((line) => line['type'] === 'plan')?.['resume'] as { bytesDone?: number } | null)?.bytesDone);
    const result = resultOf(resumed.stdout);
    expect(result['resumed']).toBe(true);
    expect(Number(result['skippedBytes']), `${what}: the resume skips what the journal says is durable`).toBe(durableBytes);
    expect(Number(result['writtenBytes']) + Number(result['skippedBytes'])).toBe(fullWrittenBytes);
    await expectRestored(what, full);
    // A finished restore leaves no journal behind.
    expect(await journalOnTarget(target.device), `${what}: no journal after the resume`).toBe(false);
    return { state, durableBytes };
  }

  /** Hit counts to try for a point that repeats: `early` ones and the last one the run is certain to reach (certainCheckpoints). */
  function hitsOf(point: Point, startBytes: number, early: number[]): number[] {
    if (!point.repeats) return [1];
    const certain = certainCheckpoints({ usedBytes, startBytes, chunkBytes: CHUNK_BYTES });
    expect(certain, `${point.name}: the data is large enough for three certain checkpoints`).toBeGreaterThanOrEqual(3);
    return [...new Set([...early, certain])];
  }

  it('killed at every point of a restore (every hit count of a repeating one up to the last certain one)', async () => {
    const started = Date.now();
    const seen: string[] = [];
    for (const point of RESTORE_POINTS.filter((p) => !resumeOnly(p))) {
      for (const hit of hitsOf(point, 0, [1, 2])) {
        const what = `${point.name}:${hit}`;
        await writeDecoy(target.device, decoy);
        const run = await lifeboatAt(point.name, hit, ...restoreArgs('--no-precheck'));
        const { state, durableBytes } = await expectSafeAndFinish(what, point, run, seen.length === 0);
        // Checkpoints follow the data (failpoints armed): the n-th names at least n eighths of it.
        if (point.name === 'restore.checkpoint') expect(durableBytes, `${what}: durable bytes`).toBeGreaterThanOrEqual(hit * everyBytes());
        if (point.name === 'restore.after-data') expect(durableBytes, `${what}: all data is durable`).toBe(usedBytes);
        seen.push(`${what}=${state}`);
      }
    }
    console.info(`restore crash test: ${seen.length} (point, hit) pairs in ${((Date.now() - started) / 1000).toFixed(1)} s: ${seen.join(' ')}`);
  }, 300_000);

  it('a --resume run killed at every point is resumed again and finishes', async () => {
    const started = Date.now();
    const seen: string[] = [];
    for (const point of RESTORE_POINTS) {
      // Each resumed run starts from a fresh restore killed at its first checkpoint, which left at
      // least an eighth of the data durable and less than an eighth and a chunk.
      const startBytes = everyBytes() + CHUNK_BYTES;
      for (const hit of hitsOf(point, startBytes, [1])) {
        const what = `--resume ${point.name}:${hit}`;
        await writeDecoy(target.device, decoy);
        const first = await lifeboatAt('restore.checkpoint', 1, ...restoreArgs('--no-precheck'));
        expect(first.signal, `${what}: the first run died at its first checkpoint (exit ${first.exitCode}): ${first.stdout.slice(-600)}${first.stderr}`).toBe(
          'SIGKILL',
        );
        const run = await lifeboatAt(point.name, hit, ...restoreArgs('--resume', '--no-precheck'));
        const { state, durableBytes } = await expectSafeAndFinish(what, point, run, seen.length === 0);
        if (point.name === 'restore.checkpoint') expect(durableBytes, `${what}: durable bytes`).toBeGreaterThanOrEqual((hit + 1) * everyBytes());
        seen.push(`${what}=${state}`);
      }
    }
    console.info(`restore --resume crash test: ${seen.length} (point, hit) pairs in ${((Date.now() - started) / 1000).toFixed(1)} s: ${seen.join(' ')}`);
  }, 300_000);

  it('Ctrl-C stops at the next chunk, records what it finished, and --resume continues from there', async () => {
    await writeDecoy(target.device, decoy);
    // Armed at a point a fresh restore never reaches, the run takes its checkpoints by data only
    // (docs/failpoints.md): the first comes after an eighth of the data, so Ctrl-C sent then meets
    // seven eighths still to write. A signal is not a failpoint, so where it lands is up to the
    // machine: should the restore have finished first, it must be complete, and the test says so.
    const interrupted = await runAndSignal(restoreArgs('--no-precheck'), {
      signal: 'SIGINT',
      when: (line) => line['type'] === 'progress' && Number(line['durableBytes'] ?? 0) > 0,
      failpoint: { name: 'restore.resume-checked', hit: 1 },
    });
    if (interrupted.exitCode === 0) {
      console.info('restore Ctrl-C test: the restore finished before Ctrl-C landed; checked as a complete restore');
      await expectRestored('Ctrl-C after the end', false);
      return;
    }
    expect(interrupted.exitCode, JSON.stringify(interrupted.lines.slice(-4))).toBe(1);
    expect(errorCode(interrupted.lines)).toBe('CANCELLED');
    expect(JSON.stringify(interrupted.lines.at(-1))).toContain('--resume');
    const durable = Math.max(...interrupted.lines.map((line) => Number(line['durableBytes'] ?? 0)));
    expect((await targetState(target.device, decoy.dump, () => false)).state).toBe('no-table');
    const resumed = await lifeboat(...restoreArgs('--resume'));
    expect(resumed.exitCode, resumed.stdout.slice(-600)).toBe(0);
    expect(Number(resultOf(resumed.stdout)['skippedBytes'])).toBeGreaterThanOrEqual(durable);
    await expectRestored('Ctrl-C', false);
  }, 120_000);

  it('a partition restore killed at its first checkpoint leaves a partition in which nothing recognises a filesystem; --resume finishes it', async () => {
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
    const killed = await lifeboatAt('restore.checkpoint', 1, ...args, '--no-precheck');
    expect(killed.signal).toBe('SIGKILL');
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

  it('a partition restore (NTFS) killed at every point leaves a partition nothing recognises, or the whole partition; the disk around it is untouched', async () => {
    const started = Date.now();
    await writeDecoy(target.device, decoy);
    const restored = await lifeboat(...restoreArgs('--snapshot', snapshotA));
    expect(restored.exitCode, restored.stdout.slice(-600)).toBe(0);
    const partition = `${target.device}p2`;
    const args = (...more: string[]) => [
      'restore',
      '--repo',
      repo,
      '--snapshot',
      snapshotA,
      '--partition',
      '2',
      '--target',
      partition,
      '--yes',
      '--confirm-target',
      path.basename(partition),
      '--json',
      ...more,
    ];
    const whole = await lifeboat(...args('--no-precheck'));
    expect(whole.exitCode, whole.stdout.slice(-600)).toBe(0);
    const partitionUsedBytes = Number(jsonLines(whole.stdout).find((line) => line['type'] === 'plan')?.['usedBytes']);
    const expectWhole = async (what: string) => {
      const against = await lifeboat('verify', '--repo', repo, '--snapshot', snapshotA, '--partition', '2', '--against', partition);
      expect(against.exitCode, `${what}: verify --against\n${against.stderr}`).toBe(0);
      const check = await checkFilesystem(partition, 'ntfs');
      expect(check.ok, `${what}: ${check.output}`).toBe(true);
    };
    const seen: string[] = [];
    for (const point of RESTORE_POINTS.filter((p) => !resumeOnly(p))) {
      const certain = certainCheckpoints({ usedBytes: partitionUsedBytes, startBytes: 0, chunkBytes: CHUNK_BYTES });
      const hits = point.repeats ? [...new Set([1, certain])] : [1];
      if (point.repeats) expect(certain, `${point.name}: the partition's data is large enough for a certain checkpoint`).toBeGreaterThanOrEqual(1);
      for (const hit of hits) {
        const what = `--partition ${point.name}:${hit}`;
        const run = await lifeboatAt(point.name, hit, ...args('--no-precheck'));
        expect(run.signal, `${what}: the run reached the point and died by SIGKILL (exit ${run.exitCode}): ${run.stdout.slice(-400)}`).toBe('SIGKILL');
        // The partition restore owns the partition's span only: the disk's table is the restored one throughout.
        expect(normalize(await sfdiskDump(target.device)), `${what}: the disk's table`).toBe(sourceDump);
        const probe = await execa('blkid', ['-p', '-o', 'export', partition], { reject: false, all: true });
        const recognised = /^(TYPE|USAGE|UUID|LABEL)=/m.test(probe.all ?? '');
        let state: 'nothing' | 'whole' = 'nothing';
        if (recognised) {
          // Something recognises a filesystem: then it must be the whole partition.
          await expectWhole(`${what}, recognised by blkid (${probe.all})`);
          state = 'whole';
        }
        if (await journalOnTarget(partition)) {
          expect(state, `${what}: a journal is left only while nothing recognises the partition`).toBe('nothing');
          const resumed = await lifeboat(...args('--resume'));
          expect(resumed.exitCode, `${what}: --resume\n${resumed.stdout.slice(-600)}`).toBe(0);
          expect(resultOf(resumed.stdout)['resumed']).toBe(true);
        } else if (state === 'nothing') {
          const fresh = await lifeboat(...args());
          expect(fresh.exitCode, `${what}: a plain restore\n${fresh.stdout.slice(-600)}`).toBe(0);
        }
        await expectWhole(what);
        seen.push(`${what}=${state}`);
      }
    }
    console.info(`restore --partition crash test: ${seen.length} (point, hit) pairs in ${((Date.now() - started) / 1000).toFixed(1)} s: ${seen.join(' ')}`);
  }, 240_000);

  it('--resume refuses another snapshot, another disk and a disk with no journal; a normal restore over a journal warns and starts over', async () => {
    // A second snapshot of the same machine, one file changed.
    await withMount(`${source.device}p3`, 'ext4', 'rw', (root) => writeFile(path.join(root, 'changed.txt'), 'after the first capture\n'));
    const second = await lifeboat('capture', '--source', source.device, '--repo', repo, '--json');
    expect(second.exitCode, second.stdout).toBe(0);
    const snapshotB = String(resultOf(second.stdout)['snapshot']);
    expect(snapshotB).not.toBe(snapshotA);

    await writeDecoy(target.device, decoy);
    const killed = await lifeboatAt('restore.checkpoint', 1, ...restoreArgs('--snapshot', snapshotA, '--no-precheck'));
    expect(killed.signal).toBe('SIGKILL');

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
    const again = await lifeboatAt('restore.checkpoint', 1, ...restoreArgs('--no-precheck'));
    expect(again.signal).toBe('SIGKILL');
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
