import { beforeAll, expect, it } from 'vitest';
import { useScratch } from '../../helpers/loop-device.js';
import { barriersDuring } from '../../helpers/power-cut-log.js';
import { CutStates } from '../../helpers/power-cut-states.js';
import { describeWith } from '../../helpers/requirements.js';
import { checkRestoreCut, recordRestore, type RestoreCutOutcome, type RestoreRecording } from './restore-cut-check.js';

const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:mkfs.ext4',
  'tool:mkfs.xfs',
  'tool:sfdisk',
  'tool:sgdisk',
  'tool:blkid',
  'tool:gcc',
  'tool:pkg-config',
  'tool:fusermount3',
] as const;
const SEED = 26;
const RANDOMS = 2;

describeWith([...NEEDS], 'a restore cut by a power failure leaves the old disk, no table, or the whole restore', () => {
  const scratch = useScratch('all');
  let rec: RestoreRecording;
  let states: CutStates;

  beforeAll(async () => {
    const started = performance.now();
    rec = await recordRestore(scratch());
    states = await CutStates.create(scratch(), rec.initialImage, rec.log, 'restore-cuts');
    process.stdout.write(
      `power-cut restore: recorded ${rec.log.barrierAt.length} barriers and ${rec.log.epochs.flat().length} writes in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }, 180_000);

  it('after a power cut at any barrier of a restore, the target is the old disk, has no partition table, or is the complete restore; a surviving journal lets --resume finish it', async () => {
    const started = performance.now();
    const barriers = barriersDuring(rec.log, rec.startByte, rec.endByte);
    const seen = new Map<string, number>();
    const cuts = await states.forEachCut(barriers, SEED, RANDOMS, async (file, cut) => {
      const outcome: RestoreCutOutcome[] = await checkRestoreCut(file, cut, rec);
      const key = outcome.join(' then ');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    });
    process.stdout.write(
      `power-cut restore: ${cuts.length} cut states checked at ${barriers.length} barriers (seed ${SEED}): ${JSON.stringify(Object.fromEntries(seen))}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(barriers.length).toBeGreaterThan(0);
    expect(cuts.length).toBeGreaterThan(0);
    // The cuts did land while the restore was writing data, not only before or after it.
    expect([...seen.keys()].some((k) => k.endsWith('resumed'))).toBe(true);
  }, 600_000);
});
