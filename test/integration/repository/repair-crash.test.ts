/**
 * A repair killed at every crash point of its table (REPAIR_POINTS, docs/failpoints.md), and where
 * it writes packs (the pack writer's points it shares with capture), on a repository whose index
 * and two pack trailers are damaged but whose blobs are all sound: everything is repairable, so
 * after any kill the damage may be as it was or partly repaired, never worse, and a rerun of
 * repair leaves a repository that passes check with both snapshots whole.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { FailpointSpec } from '../../../recovery/core/failpoints/failpoint-spec.js';
import { REPAIR_POINTS } from '../../../recovery/core/failpoints/repair-points.js';
import { checkRepository } from '../../../recovery/pipeline/check-repository.js';
import { PACK_FOOTER_BYTES } from '../../../recovery/repository/format-constants.js';
import { packPath } from '../../../recovery/repository/pack-writer.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { useScratch } from '../../helpers/loop-device.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { describeWith } from '../../helpers/requirements.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, lifeboat, lifeboatAt, resultOf } from '../pipeline/cli-pipeline.js';
import {
  type Kill,
  expectAllVerify,
  expectKilled,
  expectRepositoryChecks,
  expectSettled,
  inTwoLanes,
  killName,
  killsOf,
  listedIds,
  PACK_WRITER_POINTS,
  secondsSince,
} from './crash-points.js';
import { copyRepository, dataDisk } from './repository-cli.js';

const NEEDS = ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4'] as const;
const PACK_BYTES = 3 * MiB;

function flip(bytes: Buffer, at: number): void {
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
}

/** The kinds of the error findings of `check --read-data`, sorted, without repeats. */
async function errorKinds(repo: string): Promise<string[]> {
  const result = await checkRepository({ repoDir: repo, readData: true });
  return [...new Set(result.findings.filter((f) => f.severity === 'error').map((f) => f.kind))].sort();
}

describeWith([...NEEDS], 'a repair killed at each crash point of the table', () => {
  const scratch = useScratch('all');

  it('leaves the damage as it was or partly repaired, never worse, and the rerun repairs it all with both snapshots whole', async () => {
    const startedMs = performance.now();
    const disk = await dataDisk(scratch(), 'repair-source.img', 48 * MiB, 8, 4);
    const template = path.join(scratch().dir, 'damaged');
    await Repository.openOrCreate(template, MiB);
    const capture = async () => {
      const run = await lifeboat('capture', '--source', disk.device, '--repo', template, '--pack-size', String(PACK_BYTES), '--json');
      expect(run.exitCode, run.stderr).toBe(0);
      return resultOf(run.stdout)['snapshot'] as string;
    };
    const snapshots = [await capture()];
    await withMount(disk.partition, 'ext4', 'rw', async (root) => {
      for (const i of [2, 7]) await writeFile(path.join(root, `random-${i}.bin`), seededBytes(9200 + i, MiB));
    });
    await execa('blockdev', ['--flushbufs', disk.partition]);
    snapshots.push(await capture());

    // The damage: a flipped byte in the index, and in the trailer hash of the first two packs.
    const index = await readFile(path.join(template, 'index'));
    flip(index, 100);
    await writeFile(path.join(template, 'index'), index);
    const damagedPacks = (await (await Repository.open(template)).listPacks()).sort().slice(0, 2);
    for (const id of damagedPacks) {
      const bytes = await readFile(packPath(template, id));
      flip(bytes, bytes.length - PACK_FOOTER_BYTES + 8);
      await writeFile(packPath(template, id), bytes);
    }
    const damage = await errorKinds(template);
    expect(damage).toEqual(['index-damaged', 'pack-damaged', 'snapshot-incomplete']);

    const baselineRepo = path.join(scratch().dir, 'baseline');
    await copyRepository(template, baselineRepo);
    const baselineRun = await lifeboat('repair', '--repo', baselineRepo, '--json');
    expect(baselineRun.exitCode, baselineRun.stderr).toBe(0);
    const baseline = JSON.parse(baselineRun.stdout) as { rebuilt: Array<{ id: string; lostBlobs: number }> };
    expect(baseline.rebuilt.map((pack) => [pack.id, pack.lostBlobs]).sort()).toEqual(damagedPacks.map((id) => [id, 0]));
    expect(await expectRepositoryChecks(baselineRepo, 'an uninterrupted repair'), 'after an uninterrupted repair').toEqual([]);
    await rm(baselineRepo, { recursive: true });

    // One deletion per damaged pack; the pack writer's points are tried at their first hit.
    const lastHit = (point: FailpointSpec) => {
      if (point.name === 'repair.after-pack-removal') return damagedPacks.length;
      throw new Error(`${point.name} repeats: say here which property of the repair counts its hits`);
    };
    const kills = [...killsOf(REPAIR_POINTS, lastHit), ...killsOf(PACK_WRITER_POINTS, () => 1)];
    const lines: string[] = [];
    await inTwoLanes(kills, async (kill: Kill) => {
      const why = `repair, SIGKILL at ${killName(kill)}`;
      const repo = path.join(scratch().dir, `repair-${kill.point.name}-${kill.hit}`);
      await copyRepository(template, repo);
      expectKilled(await lifeboatAt(kill.point.name, kill.hit, 'repair', '--repo', repo, '--json'), why);
      // Never worse: only the damage that was there (what a rerun repairs), perhaps less of it.
      const left = await errorKinds(repo);
      expect(
        left.filter((kind) => !damage.includes(kind)),
        `${why}: check finds new damage`,
      ).toEqual([]);
      expect(await listedIds(repo), `${why}: repair never removes a snapshot`).toEqual(snapshots);
      const rerun = await lifeboat('repair', '--repo', repo, '--json');
      expect(rerun.exitCode, `rerun after ${why}: ${rerun.stderr}${rerun.stdout}`).toBe(0);
      const noted = await expectRepositoryChecks(repo, `the rerun of ${why}`);
      expect(
        noted.filter((kind) => !kind.startsWith('info:')),
        `${why}: after the rerun`,
      ).toEqual([]);
      expect(await listedIds(repo), why).toEqual(snapshots);
      await expectAllVerify(repo, `the rerun of ${why}`);
      await expectSettled(repo, `after the rerun of ${why}`);
      lines.push(`  ${killName(kill).padEnd(30)} check found ${left.join(', ') || 'no damage'}; after the rerun it noted ${noted.join(', ') || 'nothing'}`);
      await rm(repo, { recursive: true });
    });
    process.stdout.write(
      `repair failpoints: ${kills.length} kills (points x hits) in ${secondsSince(startedMs)} s; the damage: ${damage.join(', ')} (${damagedPacks.length} packs)\n${lines.join('\n')}\n`,
    );
  }, 600_000); // a hang guard only: npm run test:loaded runs this with every core busy
});
