import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { useScratch } from '../../helpers/loop-device.js';
import { barriersDuring } from '../../helpers/power-cut-log.js';
import { CutStates } from '../../helpers/power-cut-states.js';
import { describeWith } from '../../helpers/requirements.js';
import { checkRepositoryCut } from './repository-cut-check.js';
import { recordRepositoryLife, type RepositoryCommand, type RepositoryRecording } from './repository-record.js';

const NEEDS = ['root', 'loop-devices', 'fuse', 'tool:mkfs.ext4', 'tool:mkfs.xfs', 'tool:sfdisk', 'tool:gcc', 'tool:pkg-config', 'tool:fusermount3'] as const;
/** The run's seed: barrier k's random subsets come from it (power-cut-states.ts barrierSeed). */
const SEED = 26;
/** Random subsets per barrier, besides none and all. */
const RANDOMS = 2;

describeWith([...NEEDS], 'a repository on ext4 survives a power cut at every flush barrier of every writing command', () => {
  const scratch = useScratch('all');
  let rec: RepositoryRecording;
  let states: CutStates;

  beforeAll(async () => {
    const started = performance.now();
    rec = await recordRepositoryLife(scratch());
    states = await CutStates.create(scratch(), rec.initialImage, rec.log);
    process.stdout.write(
      `power-cut repository: recorded ${rec.log.barrierAt.length} barriers and ${rec.log.epochs.flat().length} writes in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }, 180_000);

  const commands: RepositoryCommand[] = ['capture', 'incremental capture', 'forget + prune', 'repair'];
  for (const name of commands) {
    it(`after a power cut at any barrier of ${name}, check passes (or repair fixes it), every listed snapshot verifies, none that had finished is lost, and ${name} run again completes`, async () => {
      const started = performance.now();
      const command = rec.commands.find((c) => c.name === name);
      expect(command, `${name} was recorded`).toBeDefined();
      if (!command) return;
      const barriers = barriersDuring(rec.log, command.startByte, command.endByte);
      let repaired = 0;
      let noRepository = 0;
      const noted = new Map<string, number>();
      const cuts = await states.forEachCut(barriers, SEED, RANDOMS, async (file, cut) => {
        const outcome = await checkRepositoryCut(file, path.join(scratch().dir, 'cut-mnt'), cut, command, rec);
        if (outcome.repaired) repaired++;
        if (outcome.noRepository) noRepository++;
        for (const kind of new Set(outcome.findings)) noted.set(kind, (noted.get(kind) ?? 0) + 1);
      });
      process.stdout.write(
        `power-cut ${name}: ${cuts.length} cut states checked at ${barriers.length} barriers (seed ${SEED}); ${repaired} needed repair, ${noRepository} had no repository yet; check noted ${JSON.stringify(Object.fromEntries(noted))}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
      // A harness that recorded nothing would pass every promise vacuously.
      expect(barriers.length).toBeGreaterThan(0);
      expect(cuts.length).toBeGreaterThan(0);
    }, 600_000);
  }
});
