import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { Repository } from '../../../recovery/repository/repository.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { MiB, lifeboat, resultOf } from '../pipeline/cli-pipeline.js';
import { check, dataDisk, expectCheckPasses, snapshotIds } from './repository-cli.js';

const NEEDS = ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4'] as const;
/** Kills that must leave no snapshot behind; kills that land after the manifest was renamed count apart. */
const KILLS = 20;
const CHUNK_BYTES = MiB;
const SEED = 0x5eed_c0de;

/**
 * When to kill, drawn from the seed. Moments are anchored to what the capture is doing rather
 * than to the clock alone, because on a busy machine Node's start-up alone can take most of a
 * capture's time: a fraction of the data phase (read from the --json progress lines), or just
 * after the index is written (the last step before the manifest), or at a time before the work.
 */
type Moment = { kind: 'startup'; delayMs: number } | { kind: 'data'; fraction: number; delayMs: number } | { kind: 'index'; delayMs: number };

function drawMoment(random: () => number, startupMs: number): Moment {
  const pick = random();
  if (pick < 0.125) return { kind: 'startup', delayMs: Math.round(startupMs * random()) };
  // The manifest follows the index within milliseconds: most of these find the snapshot made.
  if (pick < 0.1875) return { kind: 'index', delayMs: 0 };
  // Progress lines come every 200 ms, so the last one of the data phase may say 80%.
  return { kind: 'data', fraction: 0.8 * random(), delayMs: Math.round(150 * random()) };
}

function describeMoment(moment: Moment): string {
  if (moment.kind === 'startup') return `${moment.delayMs} ms after start`;
  if (moment.kind === 'index') return `${moment.delayMs} ms after the index appeared`;
  return `${moment.delayMs} ms after ${(moment.fraction * 100).toFixed(0)}% of the data`;
}

interface KillRow {
  moment: string;
  packSize: string;
  noted: string[];
  rerunStoredBytes: number;
  reusedChunks: number;
}

describeWith([...NEEDS], 'a capture killed with SIGKILL at any moment', () => {
  const scratch = useScratch('all');

  it('leaves a repository that passes check with no snapshot, and the rerun completes, verifies and reuses the durable packs', async () => {
    const startedMs = performance.now();
    // 16 MiB random (incompressible) + 12 MiB counting text: about 17 MiB of packs in 30-odd chunks.
    const disk = await dataDisk(scratch(), 'kill-source.img', 64 * MiB, 16, 12);
    const capture = (repo: string, packSize: number | null) =>
      lifeboat('capture', '--source', disk.device, '--repo', repo, '--json', ...(packSize ? ['--pack-size', String(packSize)] : []));

    // A capture that is not killed: what a rerun after a late kill must beat, and how long the
    // start-up before its lock takes (for the early kills).
    const freshRepo = path.join(scratch().dir, 'fresh');
    await Repository.openOrCreate(freshRepo, CHUNK_BYTES);
    const freshStart = performance.now();
    const timeline: { lockMs: number | null } = { lockMs: null };
    const watch = setInterval(() => {
      timeline.lockMs ??= existsSync(path.join(freshRepo, 'lock')) ? performance.now() - freshStart : null;
    }, 1);
    const fresh = await capture(freshRepo, null);
    clearInterval(watch);
    const freshMs = performance.now() - freshStart;
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    const freshStored = resultOf(fresh.stdout)['storedBytes'] as number;
    await rm(freshRepo, { recursive: true });

    const random = seededRandom(SEED);
    const rows: KillRow[] = [];
    let afterManifest = 0;
    let finishedFirst = 0;
    for (let attempt = 1; rows.length < KILLS && attempt <= 3 * KILLS; attempt++) {
      const repo = path.join(scratch().dir, `kill-${attempt}`);
      await Repository.openOrCreate(repo, CHUNK_BYTES);
      // Odd attempts: default 512 MiB packs, so only the unfinished pack in tmp/ can be reused;
      // even ones: 4 MiB packs, so sealed packs the index does not list yet are there too.
      const packSize = attempt % 2 === 0 ? 4 * MiB : null;
      const moment = drawMoment(random, timeline.lockMs ?? freshMs / 2);
      const child = capture(repo, packSize);
      const timers: NodeJS.Timeout[] = [];
      const killLater = (delayMs: number) => timers.push(setTimeout(() => child.kill('SIGKILL'), delayMs));
      if (moment.kind === 'startup') killLater(moment.delayMs);
      if (moment.kind === 'index') {
        const poll = setInterval(() => {
          if (!existsSync(path.join(repo, 'index'))) return;
          clearInterval(poll);
          killLater(moment.delayMs);
        }, 1);
        timers.push(poll);
      }
      if (moment.kind === 'data') {
        let armed = false;
        let pending = '';
        child.stdout?.on('data', (text: Buffer) => {
          pending += text.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const event = JSON.parse(line) as { type: string; phase?: string; bytesDone?: number; bytesTotal?: number };
            if (armed || event.type !== 'progress' || event.phase !== 'data' || !event.bytesTotal) continue;
            if ((event.bytesDone ?? 0) / event.bytesTotal < moment.fraction) continue;
            armed = true;
            killLater(moment.delayMs);
          }
        });
      }
      const ended = await child;
      for (const timer of timers) clearTimeout(timer);
      const why = `attempt ${attempt} (seed ${SEED}), SIGKILL ${describeMoment(moment)}`;
      if (ended.signal !== 'SIGKILL') {
        // The capture won the race (progress lines come every 200 ms): not a kill.
        expect(ended.exitCode, `${why}: ${ended.stderr}`).toBe(0);
        finishedFirst++;
        await rm(repo, { recursive: true });
        continue;
      }
      const noted = await expectCheckPasses(repo, true, `check --read-data after ${why}`);
      const listed = await snapshotIds(repo);
      if (listed.length > 0) {
        // Killed after the manifest was renamed into place: the snapshot is whole, never half.
        expect(listed, why).toHaveLength(1);
        const verified = await lifeboat('verify', '--repo', repo);
        expect(verified.exitCode, `${why}: ${verified.stderr}`).toBe(0);
        afterManifest++;
        await rm(repo, { recursive: true });
        continue;
      }
      const rerun = await capture(repo, packSize);
      expect(rerun.exitCode, `rerun after ${why}: ${rerun.stderr}`).toBe(0);
      const result = resultOf(rerun.stdout);
      expect(await snapshotIds(repo), why).toEqual([result['snapshot']]);
      const verified = await lifeboat('verify', '--repo', repo);
      expect(verified.exitCode, `verify after ${why}: ${verified.stderr}`).toBe(0);
      // The rerun took the lock over, salvaged or adopted what it found and cleared tmp/.
      expect(await readdir(path.join(repo, 'tmp')), why).toEqual([]);
      expect(await readdir(repo), why).not.toContain('lock');
      rows.push({
        moment: describeMoment(moment),
        packSize: packSize ? '4 MiB' : '512 MiB',
        noted,
        rerunStoredBytes: result['storedBytes'] as number,
        reusedChunks: result['reusedChunks'] as number,
      });
      if (rows.length === KILLS) {
        // The last rerun's snapshot against the source disk itself, chunk by chunk and table bytes.
        const against = await lifeboat('verify', '--repo', repo, '--against', disk.device);
        expect(against.exitCode, against.stdout + against.stderr).toBe(0);
        expect((await check(repo, true)).doc.findings, `check after the rerun of ${why}`).toEqual([]);
      }
      await rm(repo, { recursive: true });
    }

    const table = rows.map(
      (r) =>
        `  ${r.moment.padEnd(40)} packs ${r.packSize.padEnd(7)}: rerun stored ${(r.rerunStoredBytes / MiB).toFixed(1).padStart(4)} MiB, reused ${String(r.reusedChunks).padStart(2)} chunks; check noted ${r.noted.join(', ') || 'nothing'}`,
    );
    process.stdout.write(
      `capture SIGKILL: ${rows.length} kills without a snapshot (+${afterManifest} after the manifest, ${finishedFirst} captures finished first) in ${((performance.now() - startedMs) / 1000).toFixed(1)} s; a fresh capture takes ${freshMs.toFixed(0)} ms (lock at ${String(timeline.lockMs?.toFixed(0))} ms) and stores ${(freshStored / MiB).toFixed(1)} MiB\n${table.join('\n')}\n`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(KILLS);
    // Reuse: the best rerun (after a late kill) writes far less than a fresh capture; reruns reuse
    // the unfinished pack salvaged from tmp/ and, with 4 MiB packs, sealed packs the index lacked.
    expect(Math.min(...rows.map((r) => r.rerunStoredBytes))).toBeLessThan(freshStored / 2);
    expect(rows.some((r) => r.noted.includes('info:tmp-leftovers') && r.reusedChunks > 0 && r.rerunStoredBytes < freshStored)).toBe(true);
    expect(rows.some((r) => r.noted.includes('info:pack-unindexed') && r.reusedChunks > 0 && r.rerunStoredBytes < freshStored)).toBe(true);
  }, 600_000);
});
