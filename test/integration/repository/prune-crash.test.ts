import { existsSync, readdirSync, statSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { Repository } from '../../../recovery/repository/repository.js';
import { useScratch } from '../../helpers/loop-device.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { describeWith } from '../../helpers/requirements.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, lifeboat, resultOf } from '../pipeline/cli-pipeline.js';
import { copyRepository, dataDisk, expectCheckPasses, packBytes, snapshotIds } from './repository-cli.js';

const NEEDS = ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4'] as const;
const KILLS = 8;
const SEED = 0x9e0e_2026;

/** Pack files of a repository, relative to it. */
async function packFiles(repo: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of await readdir(path.join(repo, 'packs')))
    for (const name of await readdir(path.join(repo, 'packs', sub))) files.push(path.join('packs', sub, name));
  return files.sort();
}

/** The steps of a prune, as seen from outside: lock taken, new pack being written, sealed, new index, old pack deleted. */
const ANCHORS = ['the lock', 'a pack in tmp/', 'a new sealed pack', 'the index replaced', 'an old pack deleted'] as const;
type Anchor = (typeof ANCHORS)[number];

/** A cheap test (it runs every millisecond) for whether the prune in `repo` has reached `anchor`. */
async function anchorProbe(repo: string, anchor: Anchor): Promise<() => boolean> {
  const packsNow = new Set(await packFiles(repo));
  const indexInode = statSync(path.join(repo, 'index')).ino;
  const packsSeen = () =>
    readdirSync(path.join(repo, 'packs')).flatMap((sub) => readdirSync(path.join(repo, 'packs', sub)).map((name) => path.join('packs', sub, name)));
  switch (anchor) {
    case 'the lock':
      return () => existsSync(path.join(repo, 'lock'));
    case 'a pack in tmp/':
      return () => existsSync(path.join(repo, 'tmp')) && readdirSync(path.join(repo, 'tmp')).some((name) => name.includes('.pack.'));
    case 'a new sealed pack':
      return () => packsSeen().some((file) => !packsNow.has(file));
    case 'the index replaced':
      return () => statSync(path.join(repo, 'index')).ino !== indexInode;
    case 'an old pack deleted':
      return () => [...packsNow].some((file) => !existsSync(path.join(repo, file)));
  }
}

describeWith([...NEEDS], 'a prune killed with SIGKILL at any moment', () => {
  const scratch = useScratch('all');

  it('leaves a repository that passes check, and the rerun frees everything while the remaining snapshot still verifies', async () => {
    const startedMs = performance.now();
    const disk = await dataDisk(scratch(), 'prune-source.img', 64 * MiB, 16, 8);
    // Two snapshots in 4 MiB packs; the second after half of the random files changed. Forgetting
    // the first leaves packs that are all garbage and packs that mix garbage with live chunks.
    const template = path.join(scratch().dir, 'template');
    await Repository.openOrCreate(template, MiB);
    const capture = async () => {
      const run = await lifeboat('capture', '--source', disk.device, '--repo', template, '--pack-size', String(4 * MiB), '--json');
      expect(run.exitCode, run.stderr).toBe(0);
      return resultOf(run.stdout)['snapshot'] as string;
    };
    const first = await capture();
    await withMount(disk.partition, 'ext4', 'rw', async (root) => {
      for (let i = 0; i < 16; i += 2) await writeFile(path.join(root, `random-${i}.bin`), seededBytes(9000 + i, MiB));
    });
    await execa('blockdev', ['--flushbufs', disk.partition]);
    const second = await capture();
    expect((await lifeboat('forget', '--repo', template, '--snapshot', first)).exitCode).toBe(0);

    const baselineRepo = path.join(scratch().dir, 'baseline');
    await copyRepository(template, baselineRepo);
    const baselineStart = performance.now();
    const baseline = await lifeboat('prune', '--repo', baselineRepo, '--json');
    const pruneMs = performance.now() - baselineStart;
    expect(baseline.exitCode, baseline.stderr).toBe(0);
    const freed = (JSON.parse(baseline.stdout) as { bytesFreed: number }).bytesFreed;
    expect(freed).toBeGreaterThan(0);

    // The two states between prune's steps that a timed kill hits only by luck, rebuilt exactly
    // from the files of the template and of the finished prune: new packs sealed but no new
    // index yet; new index written but old packs not all deleted yet.
    const templatePacks = await packFiles(template);
    const baselinePacks = await packFiles(baselineRepo);
    const states: Array<[string, string, string[]]> = [
      ['new packs sealed, old index', template, baselinePacks.filter((file) => !templatePacks.includes(file)).map((file) => path.join(baselineRepo, file))],
      [
        'new index, old packs not yet deleted',
        baselineRepo,
        templatePacks
          .filter((file) => !baselinePacks.includes(file))
          .filter((_, i) => i % 2 === 0)
          .map((file) => path.join(template, file)),
      ],
    ];
    for (const [name, base, extraPacks] of states) {
      expect(extraPacks.length, name).toBeGreaterThan(0);
      const repo = path.join(scratch().dir, `state-${states.findIndex(([n]) => n === name)}`);
      await copyRepository(base, repo);
      for (const file of extraPacks) await copyRepository(file, path.join(repo, path.relative(file.startsWith(template) ? template : baselineRepo, file)));
      const noted = await expectCheckPasses(repo, true, name);
      expect(noted, name).toContain('info:pack-unindexed');
      const rerun = await lifeboat('prune', '--repo', repo, '--json');
      expect(rerun.exitCode, `${name}: ${rerun.stderr}`).toBe(0);
      expect(await expectCheckPasses(repo, true, `${name}, after the rerun`)).toEqual([]);
      expect((await lifeboat('verify', '--repo', repo, '--snapshot', second)).exitCode, name).toBe(0);
      await rm(repo, { recursive: true });
    }
    await rm(baselineRepo, { recursive: true });

    // Kill moments anchored to what the prune is doing (a busy machine makes Node's start-up
    // take most of a short prune's time): each attempt takes the next anchor in turn and waits a
    // seeded 0-10 ms after seeing it.
    const random = seededRandom(SEED);
    const lines: string[] = [];
    let kills = 0;
    for (let attempt = 1; kills < KILLS && attempt <= 4 * KILLS; attempt++) {
      const repo = path.join(scratch().dir, `prune-kill-${attempt}`);
      await copyRepository(template, repo);
      const before = await packBytes(repo);
      const anchor = ANCHORS[attempt % ANCHORS.length] as Anchor;
      const delayMs = Math.round(10 * random());
      const seen = await anchorProbe(repo, anchor);
      const child = lifeboat('prune', '--repo', repo, '--json');
      let timer: NodeJS.Timeout | undefined;
      const poll = setInterval(() => {
        try {
          if (timer !== undefined || !seen()) return;
        } catch {
          // A folder the prune removes between two readdir calls: look again next time.
          return;
        }
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }, 1);
      const ended = await child;
      clearInterval(poll);
      clearTimeout(timer);
      const why = `prune attempt ${attempt} (seed ${SEED}), SIGKILL ${delayMs} ms after ${anchor}`;
      if (ended.signal !== 'SIGKILL') {
        expect(ended.exitCode, `${why}: ${ended.stderr}`).toBe(0);
        await rm(repo, { recursive: true });
        continue;
      }
      kills++;
      const noted = await expectCheckPasses(repo, true, `check --read-data after ${why}`);
      expect(await snapshotIds(repo), why).toEqual([second]);
      const rerun = await lifeboat('prune', '--repo', repo, '--json');
      expect(rerun.exitCode, `rerun after ${why}: ${rerun.stderr}${rerun.stdout}`).toBe(0);
      // Finished: nothing unreferenced, no leftovers, and the snapshot that stays is whole.
      expect(await expectCheckPasses(repo, false, `check after the rerun of ${why}`), why).toEqual([]);
      const verified = await lifeboat('verify', '--repo', repo, '--snapshot', second);
      expect(verified.exitCode, `verify after ${why}: ${verified.stderr}`).toBe(0);
      const after = await packBytes(repo);
      expect(after, why).toBeLessThan(before);
      lines.push(
        `  ${delayMs.toString().padStart(2)} ms after ${anchor.padEnd(24)}: check noted ${noted.join(', ') || 'nothing'}; after the rerun ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB`,
      );
      await rm(repo, { recursive: true });
    }
    process.stdout.write(
      `prune SIGKILL: ${kills} kills in ${((performance.now() - startedMs) / 1000).toFixed(1)} s; an uninterrupted prune takes ${pruneMs.toFixed(0)} ms and frees ${(freed / MiB).toFixed(1)} MiB\n${lines.join('\n')}\n`,
    );
    expect(kills).toBe(KILLS);
  }, 300_000);
});
