/**
 * A prune, and a forget, killed at every crash point of their table (PRUNE_POINTS,
 * docs/failpoints.md), and a prune killed where it writes packs (the pack writer's points it
 * shares with capture). Each kill lands at a named step (LIFEBOAT_FAILPOINT), so the verdict does
 * not depend on the machine's speed, and a point added to the table is tried by the next run.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { FailpointSpec } from '../../../recovery/core/failpoints/failpoint-spec.js';
import { PRUNE_POINTS } from '../../../recovery/core/failpoints/prune-points.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { useScratch } from '../../helpers/loop-device.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { describeWith } from '../../helpers/requirements.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, lifeboat, lifeboatAt, resultOf } from '../pipeline/cli-pipeline.js';
import {
  type Kill,
  expectAllVerify,
  expectRepositoryChecks,
  expectKilled,
  expectSettled,
  inTwoLanes,
  killName,
  killsOf,
  listedIds,
  PACK_WRITER_POINTS,
  secondsSince,
} from './crash-points.js';
import { copyRepository, dataDisk, packBytes } from './repository-cli.js';

const NEEDS = ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4'] as const;
const PACK_BYTES = 3 * MiB;
/** Forget points after which the snapshot is gone. */
const FORGOTTEN_AFTER = new Set<string>(['forget.after-manifest-removal']);

describeWith([...NEEDS], 'a prune or a forget killed at each crash point of the table', () => {
  const scratch = useScratch('all');
  /** Two snapshots in 3 MiB packs, the second after three of the random files changed. */
  let twoSnapshots = '';
  let first = '';
  let second = '';

  it('prune: leaves a repository that passes check with the remaining snapshot whole, and the rerun frees exactly what an uninterrupted prune frees', async () => {
    const startedMs = performance.now();
    const disk = await dataDisk(scratch(), 'prune-source.img', 48 * MiB, 8, 4);
    twoSnapshots = path.join(scratch().dir, 'two-snapshots');
    await Repository.openOrCreate(twoSnapshots, MiB);
    const capture = async () => {
      const run = await lifeboat('capture', '--source', disk.device, '--repo', twoSnapshots, '--pack-size', String(PACK_BYTES), '--json');
      expect(run.exitCode, run.stderr).toBe(0);
      return resultOf(run.stdout)['snapshot'] as string;
    };
    first = await capture();
    await withMount(disk.partition, 'ext4', 'rw', async (root) => {
      for (const i of [0, 3, 5]) await writeFile(path.join(root, `random-${i}.bin`), seededBytes(9000 + i, MiB));
    });
    await execa('blockdev', ['--flushbufs', disk.partition]);
    second = await capture();
    // Forgetting the first leaves packs that are all garbage and packs that mix garbage with live chunks.
    const template = path.join(scratch().dir, 'forgotten');
    await copyRepository(twoSnapshots, template);
    expect((await lifeboat('forget', '--repo', template, '--snapshot', first)).exitCode).toBe(0);
    const before = await packBytes(template);

    const baselineRepo = path.join(scratch().dir, 'baseline');
    await copyRepository(template, baselineRepo);
    const baselineRun = await lifeboat('prune', '--repo', baselineRepo, '--json');
    expect(baselineRun.exitCode, baselineRun.stderr).toBe(0);
    const baseline = JSON.parse(baselineRun.stdout) as { packsRemoved: number; packsRewritten: number; packsWritten: number; bytesFreed: number };
    const after = await packBytes(baselineRepo);
    expect(baseline.packsRewritten, 'the prune rewrites a mixed pack, so it writes packs').toBeGreaterThan(0);
    await rm(baselineRepo, { recursive: true });

    // One deletion per pack removed or rewritten; the pack writer's points are tried at their first hit.
    const removals = baseline.packsRemoved + baseline.packsRewritten;
    const lastHit = (point: FailpointSpec) => {
      if (point.name === 'prune.after-pack-removal') return removals;
      throw new Error(`${point.name} repeats: say here which property of the prune counts its hits`);
    };
    const kills = [
      ...killsOf(
        PRUNE_POINTS.filter((point) => point.name.startsWith('prune.')),
        lastHit,
      ),
      ...killsOf(PACK_WRITER_POINTS, () => 1),
    ];
    const lines: string[] = [];
    await inTwoLanes(kills, async (kill: Kill) => {
      const why = `prune, SIGKILL at ${killName(kill)}`;
      const repo = path.join(scratch().dir, `prune-${kill.point.name}-${kill.hit}`);
      await copyRepository(template, repo);
      expectKilled(await lifeboatAt(kill.point.name, kill.hit, 'prune', '--repo', repo, '--json'), why);
      const noted = await expectRepositoryChecks(repo, why);
      expect(await listedIds(repo), why).toEqual([second]);
      const rerun = await lifeboat('prune', '--repo', repo, '--json');
      expect(rerun.exitCode, `rerun after ${why}: ${rerun.stderr}${rerun.stdout}`).toBe(0);
      // Finished: nothing unreferenced, no leftovers, the snapshot that stays is whole, and the
      // packs are those an uninterrupted prune leaves, to the byte.
      expect(await expectRepositoryChecks(repo, `the rerun of ${why}`, false), why).toEqual([]);
      await expectAllVerify(repo, `the rerun of ${why}`);
      await expectSettled(repo, `after the rerun of ${why}`);
      expect(await packBytes(repo), why).toBe(after);
      lines.push(`  ${killName(kill).padEnd(30)} check noted ${noted.join(', ')}`);
      await rm(repo, { recursive: true });
    });
    process.stdout.write(
      `prune failpoints: ${kills.length} kills (points x hits) in ${secondsSince(startedMs)} s; an uninterrupted prune removes ${baseline.packsRemoved} and rewrites ${baseline.packsRewritten} packs, ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB\n${lines.join('\n')}\n`,
    );
  }, 600_000); // hang guards only: npm run test:loaded runs these with every core busy

  it('forget: the snapshot is either whole or gone, the other one stays whole, and the next forget and prune complete', async () => {
    expect(twoSnapshots, 'the prune test built the repository').not.toBe('');
    const startedMs = performance.now();
    const kills = killsOf(
      PRUNE_POINTS.filter((point) => point.name.startsWith('forget.')),
      (point) => {
        throw new Error(`${point.name} repeats: say here what counts its hits`);
      },
    );
    const lines: string[] = [];
    await inTwoLanes(kills, async (kill: Kill) => {
      const why = `forget, SIGKILL at ${killName(kill)}`;
      const repo = path.join(scratch().dir, `forget-${kill.point.name}`);
      await copyRepository(twoSnapshots, repo);
      expectKilled(await lifeboatAt(kill.point.name, kill.hit, 'forget', '--repo', repo, '--snapshot', first), why);
      const noted = await expectRepositoryChecks(repo, why);
      const listed = await listedIds(repo);
      expect(listed, why).toEqual(FORGOTTEN_AFTER.has(kill.point.name) ? [second] : [first, second]);
      if (listed.includes(first)) {
        const again = await lifeboat('forget', '--repo', repo, '--snapshot', first);
        expect(again.exitCode, `forget again after ${why}: ${again.stderr}`).toBe(0);
      }
      const pruned = await lifeboat('prune', '--repo', repo);
      expect(pruned.exitCode, `prune after ${why}: ${pruned.stderr}`).toBe(0);
      expect(await listedIds(repo), why).toEqual([second]);
      expect(await expectRepositoryChecks(repo, `the prune after ${why}`, false), why).toEqual([]);
      await expectAllVerify(repo, `the prune after ${why}`);
      await expectSettled(repo, `after the prune after ${why}`);
      expect(await readdir(path.join(repo, 'snapshots')), why).toHaveLength(1);
      lines.push(`  ${killName(kill).padEnd(34)} check noted ${noted.join(', ')}`);
      await rm(repo, { recursive: true });
    });
    process.stdout.write(`forget failpoints: ${kills.length} kills (points x hits) in ${secondsSince(startedMs)} s\n${lines.join('\n')}\n`);
  }, 300_000);
});
