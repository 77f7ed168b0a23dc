/**
 * A capture killed at every crash point of the table (docs/failpoints.md), first into an empty
 * repository and then as an incremental capture after the disk changed. Each kill lands at a
 * named step (LIFEBOAT_FAILPOINT), so the verdict is the same on every machine: a point added to
 * CAPTURE_POINTS is tried by the next run, and a point the capture never reaches fails the test.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { CAPTURE_POINTS } from '../../../recovery/core/failpoints/capture-points.js';
import type { FailpointSpec } from '../../../recovery/core/failpoints/failpoint-spec.js';
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
  secondsSince,
} from './crash-points.js';
import { check, copyRepository, dataDisk } from './repository-cli.js';

const NEEDS = ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4'] as const;
/** Two 1 MiB random chunks to a pack: the capture seals several packs, so the seal and rename points repeat. */
const PACK_BYTES = 3 * MiB;

/** Points whose work exists only after an earlier writer was interrupted: the case starts from a repository a capture left killed mid-pack. */
const AFTER_AN_INTERRUPTED_CAPTURE = new Set<string>(['capture.after-salvage']);
/** Points before which the killed run made nothing durable, so the rerun has nothing of it to reuse. */
const NOTHING_DURABLE_YET = new Set<string>(['capture.after-lock', 'capture.after-recovery']);
/** Points after which the new snapshot exists (whole: check --read-data proves its every chunk). */
const SNAPSHOT_MADE = new Set<string>(['capture.after-manifest-rename']);
/** What check must note after a kill at these points: the leftover the next writer settles. */
const NOTED: Record<string, string> = {
  'capture.after-blob-append': 'info:tmp-leftovers',
  'capture.after-pack-seal': 'info:tmp-leftovers',
  'capture.after-pack-rename': 'info:pack-unindexed',
  'capture.after-salvage': 'info:pack-unindexed',
};

interface Scenario {
  name: string;
  /** The repository each case starts from (copied): empty, or holding the snapshot of the disk before the change. */
  template: string;
  /** What an uninterrupted capture from the template does. */
  fresh: { storedBytes: number; reusedChunks: number; newChunks: number; packs: number };
}

interface Row {
  scenario: string;
  kill: string;
  noted: string[];
  rerunStoredBytes: number;
  reusedChunks: number;
}

async function packCount(repo: string): Promise<number> {
  let count = 0;
  for (const sub of await readdir(path.join(repo, 'packs')).catch(() => [] as string[])) count += (await readdir(path.join(repo, 'packs', sub))).length;
  return count;
}

describeWith([...NEEDS], 'a capture killed at each crash point of the table', () => {
  const scratch = useScratch('all');

  it('leaves a repository that passes check, with no half snapshot and the earlier ones whole; the rerun completes, verifies and reuses the durable packs', async () => {
    const startedMs = performance.now();
    // 8 MiB random (incompressible) + 4 MiB counting text, in 1 MiB chunks: 14 blobs in 4 packs.
    const disk = await dataDisk(scratch(), 'capture-crash.img', 48 * MiB, 8, 4);
    const captureArgs = (repo: string) => ['capture', '--source', disk.device, '--repo', repo, '--pack-size', String(PACK_BYTES), '--json'];

    /** An uninterrupted capture from `template`: what the kills are measured against. */
    const scenario = async (name: string, template: string): Promise<Scenario> => {
      const repo = path.join(scratch().dir, `${name}-fresh`);
      await copyRepository(template, repo);
      const packsBefore = await packCount(repo);
      const run = await lifeboat(...captureArgs(repo));
      expect(run.exitCode, run.stderr).toBe(0);
      const result = resultOf(run.stdout);
      const fresh = {
        storedBytes: result['storedBytes'] as number,
        reusedChunks: result['reusedChunks'] as number,
        newChunks: result['newChunks'] as number,
        packs: (await packCount(repo)) - packsBefore,
      };
      await rm(repo, { recursive: true });
      return { name, template, fresh };
    };
    /** The hits that an uninterrupted capture reaches last, from what it stored: one blob per new chunk, one seal per pack. */
    const lastHit = (fresh: Scenario['fresh']) => (point: FailpointSpec) => {
      if (point.name === 'capture.after-blob-append') return fresh.newChunks;
      if (point.name === 'capture.after-pack-seal' || point.name === 'capture.after-pack-rename') return fresh.packs;
      throw new Error(`${point.name} repeats: say here which property of the input counts its hits`);
    };

    const rows: Row[] = [];
    let lastRerunRepo: string | null = null;
    const crash = async (s: Scenario, kill: Kill) => {
      const why = `${s.name} capture, SIGKILL at ${killName(kill)}`;
      const repo = path.join(scratch().dir, `${s.name}-${kill.point.name}-${kill.hit}`);
      await copyRepository(s.template, repo);
      if (AFTER_AN_INTERRUPTED_CAPTURE.has(kill.point.name))
        expectKilled(await lifeboatAt('capture.after-blob-append', 2, ...captureArgs(repo)), `${why}: the capture interrupted before it`);
      const before = await listedIds(repo);
      expectKilled(await lifeboatAt(kill.point.name, kill.hit, ...captureArgs(repo)), why);

      const noted = await expectRepositoryChecks(repo, why);
      expect(noted, why).toContain('warning:lock');
      const expectedNote = NOTED[kill.point.name];
      if (expectedNote) expect(noted, why).toContain(expectedNote);
      // check --read-data passing means every listed snapshot has every chunk, sound, in an indexed pack.
      const listed = await listedIds(repo);
      expect(
        listed.filter((id) => before.includes(id)),
        `${why}: the snapshots made before stay`,
      ).toEqual(before);
      expect(listed.length - before.length, `${why}: new snapshots`).toBe(SNAPSHOT_MADE.has(kill.point.name) ? 1 : 0);

      const rerun = await lifeboat(...captureArgs(repo));
      expect(rerun.exitCode, `rerun after ${why}: ${rerun.stderr}`).toBe(0);
      const result = resultOf(rerun.stdout);
      expect((await listedIds(repo)).sort(), why).toEqual([...listed, result['snapshot'] as string].sort());
      await expectAllVerify(repo, `the rerun of ${why}`);
      await expectSettled(repo, `after the rerun of ${why}`);
      const row = {
        scenario: s.name,
        kill: killName(kill),
        noted,
        rerunStoredBytes: result['storedBytes'] as number,
        reusedChunks: result['reusedChunks'] as number,
      };
      // Reuse: whatever the killed run made durable (a blob salvaged from tmp/, a sealed pack, the index) is not stored again.
      if (!NOTHING_DURABLE_YET.has(kill.point.name)) {
        expect(row.rerunStoredBytes, `${why}: the rerun stores less than a fresh capture`).toBeLessThan(s.fresh.storedBytes);
        expect(row.reusedChunks, `${why}: the rerun reuses chunks of the killed run`).toBeGreaterThan(s.fresh.reusedChunks);
      }
      rows.push(row);
      if (lastRerunRepo === null) lastRerunRepo = repo;
      else await rm(repo, { recursive: true });
    };

    const empty = path.join(scratch().dir, 'empty');
    await Repository.openOrCreate(empty, MiB);
    const first = await scenario('first', empty);
    const firstKills = killsOf(CAPTURE_POINTS, lastHit(first.fresh));
    await inTwoLanes(firstKills, (kill) => crash(first, kill));
    // One rerun's snapshot against the source disk itself, chunk by chunk and table bytes.
    const against = await lifeboat('verify', '--repo', String(lastRerunRepo), '--against', disk.device);
    expect(against.exitCode, against.stdout + against.stderr).toBe(0);
    expect((await check(String(lastRerunRepo), true)).doc.findings, 'check after a rerun').toEqual([]);

    // Incremental: the repository holds the snapshot of the disk before the change, which every kill must leave whole.
    const before = path.join(scratch().dir, 'before-change');
    await copyRepository(empty, before);
    const base = await lifeboat(...captureArgs(before));
    expect(base.exitCode, base.stderr).toBe(0);
    await withMount(disk.partition, 'ext4', 'rw', async (root) => {
      for (const i of [1, 4, 6]) await writeFile(path.join(root, `random-${i}.bin`), seededBytes(9100 + i, MiB));
    });
    await execa('blockdev', ['--flushbufs', disk.partition]);
    await execa('blockdev', ['--flushbufs', disk.device]);
    const incremental = await scenario('incremental', before);
    const incrementalKills = killsOf(CAPTURE_POINTS, lastHit(incremental.fresh));
    await inTwoLanes(incrementalKills, (kill) => crash(incremental, kill));

    const line = (r: Row) =>
      `  ${r.scenario.padEnd(11)} ${r.kill.padEnd(34)} rerun stored ${(r.rerunStoredBytes / MiB).toFixed(1).padStart(4)} MiB, reused ${String(r.reusedChunks).padStart(2)} chunks; check noted ${r.noted.join(', ')}`;
    process.stdout.write(
      `capture failpoints: ${CAPTURE_POINTS.length} points x hits = ${firstKills.length} first + ${incrementalKills.length} incremental kills in ${secondsSince(startedMs)} s (fresh: ${(first.fresh.storedBytes / MiB).toFixed(1)} MiB in ${first.fresh.packs} packs, ${first.fresh.newChunks} chunks; incremental ${(incremental.fresh.storedBytes / MiB).toFixed(1)} MiB, ${incremental.fresh.newChunks} chunks)\n${rows.map(line).join('\n')}\n`,
    );
    expect(rows).toHaveLength(firstKills.length + incrementalKills.length);
  }, 900_000); // a hang guard only: npm run test:loaded runs this with every core busy
});
