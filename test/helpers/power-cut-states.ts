/**
 * Rebuilds a recorded device as it could be after a power cut at barrier k: the initial image,
 * every write of epochs 0..k-1 (the device acknowledged the flush, so they are durable), and a
 * subset of epoch k (written to the device's cache after the flush; any of them may have reached
 * the medium, in any order). The subsets tried: none, all, and seeded random ones.
 *
 * States are files on a small XFS scratch filesystem with reflinks: a base file advances through
 * the epochs in place, and each state is a reflink copy of it (no data copied) plus the subset's
 * writes, so a state costs what its own writes cost, not the image's size.
 */
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Scratch } from './loop-device.js';
import type { LoggedWrite, WriteLog } from './power-cut-log.js';
import { seededRandom } from './seeded-random.js';

export interface CutState {
  /** 1-based barrier the power failed after (0: before the first one). */
  barrier: number;
  /** 'none', 'all', or 'random-<seed>' (the seed replays the subset). */
  subset: string;
  /** How many of epoch `barrier`'s writes this state holds, of how many. */
  kept: number;
  of: number;
}

async function applyWrites(file: string, writes: readonly LoggedWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const handle = await open(file, 'r+');
  try {
    for (const w of writes) await handle.write(w.data, 0, w.data.length, w.offsetBytes);
  } finally {
    await handle.close();
  }
}

/** Epochs of at most this many writes are tried with every subset, not a sample. */
export const EXHAUSTIVE_WRITES = 3;
/** A device writes whole physical sectors, not whole requests: a torn subset keeps 4 KiB pieces. */
export const TORN_PIECE_BYTES = 4096;

/** `w` cut at TORN_PIECE_BYTES boundaries of the device (a write of one piece or less stays whole). */
function piecesOf(w: LoggedWrite): LoggedWrite[] {
  const pieces: LoggedWrite[] = [];
  for (let at = 0; at < w.data.length; ) {
    const end = Math.min(w.data.length, (Math.floor((w.offsetBytes + at) / TORN_PIECE_BYTES) + 1) * TORN_PIECE_BYTES - w.offsetBytes);
    pieces.push({ offsetBytes: w.offsetBytes + at, data: w.data.subarray(at, end) });
    at = end;
  }
  return pieces;
}

function maskName(picks: readonly boolean[]): string {
  return picks.map((p) => (p ? '1' : '0')).join('');
}

/**
 * The subsets of one epoch to try. Every one when the epoch has at most EXHAUSTIVE_WRITES writes
 * (named by a mask, 'mask-101': first and third kept); otherwise none, all and `randoms` seeded
 * ones ('random-<seed>'). Then, when a write is longer than a piece, torn subsets, as a device
 * that had written part of a request when the power failed: only each write's first 4 KiB piece
 * ('torn-heads'), each write but its first piece ('torn-tails'), and each piece kept or lost at
 * random ('torn-<seed>'). Duplicates are dropped.
 */
export function subsetsOf(epoch: readonly LoggedWrite[], seed: number, randoms: number): Array<{ name: string; writes: LoggedWrite[] }> {
  const subsets: Array<{ name: string; writes: LoggedWrite[]; key: string }> = [];
  const whole = (name: string, picks: boolean[]) => subsets.push({ name, writes: epoch.filter((_, i) => picks[i]), key: `w${maskName(picks)}` });
  if (epoch.length <= EXHAUSTIVE_WRITES) {
    for (let mask = 0; mask < 1 << epoch.length; mask++) {
      const picks = epoch.map((_, i) => ((mask >> i) & 1) === 1);
      whole(mask === 0 ? 'none' : mask === (1 << epoch.length) - 1 ? 'all' : `mask-${maskName(picks)}`, picks);
    }
  } else {
    whole(
      'none',
      epoch.map(() => false),
    );
    whole(
      'all',
      epoch.map(() => true),
    );
    for (let r = 0; r < randoms; r++) {
      const random = seededRandom(seed + r);
      whole(
        `random-${seed + r}`,
        epoch.map(() => random() < 0.5),
      );
    }
  }
  const split = epoch.map(piecesOf);
  const pieces = split.flat();
  if (pieces.length > epoch.length) {
    const torn = (name: string, picks: boolean[]) => subsets.push({ name, writes: pieces.filter((_, i) => picks[i]), key: `p${maskName(picks)}` });
    // A request's first piece alone, or all of it but the first: where the order inside one
    // request matters (a table's first sector, a header before its body), one of these shows it.
    torn(
      'torn-heads',
      split.flatMap((p) => p.map((_, i) => i === 0)),
    );
    torn(
      'torn-tails',
      split.flatMap((p) => p.map((_, i) => i !== 0)),
    );
    const random = seededRandom(seed + randoms);
    torn(
      `torn-${seed + randoms}`,
      pieces.map(() => random() < 0.5),
    );
  }
  const seen = new Set<string>();
  return subsets
    .filter((s) => {
      const key = s.writes.length === 0 ? '' : s.key;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ name, writes }) => ({ name, writes }));
}

/** The seed of barrier k's random subsets: fixed per (run seed, barrier), so one cut replays alone. */
export function barrierSeed(runSeed: number, barrier: number): number {
  return (runSeed * 1000 + barrier * 7) >>> 0;
}

export class CutStates {
  private applied = 0;

  private constructor(
    private readonly dir: string,
    private readonly base: string,
    private readonly log: WriteLog,
  ) {}

  /**
   * A reflink-capable XFS filesystem (sparse, `sizeBytes`) in the scratch, mounted, holding a
   * copy of `initialImage` as the base. The scratch's cleanup unmounts and detaches it.
   */
  static async create(scratch: Scratch, initialImage: string, log: WriteLog, name = 'cuts', sizeBytes = 1024 * 1024 * 1024): Promise<CutStates> {
    const file = await scratch.sparseFile(`${name}-xfs.img`, sizeBytes);
    await execa('mkfs.xfs', ['-q', '-m', 'reflink=1', file]);
    const device = await scratch.attach(file);
    const dir = await scratch.mount(device, `${name}-xfs`, 'xfs');
    const base = path.join(dir, 'base.img');
    await execa('cp', ['--sparse=always', initialImage, base]);
    return new CutStates(dir, base, log);
  }

  get barrierCount(): number {
    return this.log.barrierAt.length;
  }

  /**
   * Runs `check` on every state of a cut at each of `barriers` (ascending), with `randoms` random
   * subsets each, and returns the states checked. A state identical to one just checked (the
   * empty subset after a barrier equals the full subset before it) is not checked twice.
   */
  async forEachCut(barriers: readonly number[], runSeed: number, randoms: number, check: (file: string, cut: CutState) => Promise<void>): Promise<CutState[]> {
    const done: CutState[] = [];
    let previousAllWasChecked = -2;
    for (const barrier of barriers) {
      await this.advanceTo(barrier);
      const epoch = this.log.epochs[barrier] ?? [];
      for (const subset of subsetsOf(epoch, barrierSeed(runSeed, barrier), randoms)) {
        const cut: CutState = { barrier, subset: subset.name, kept: subset.writes.length, of: epoch.length };
        if (subset.writes.length === 0 && previousAllWasChecked === barrier - 1) continue;
        await this.withState(subset.writes, (file) => check(file, cut));
        done.push(cut);
      }
      previousAllWasChecked = barrier;
    }
    return done;
  }

  /** The state of one cut alone (a regression test replays one this way). */
  async one(barrier: number, subset: string, runSeed: number, check: (file: string) => Promise<void>): Promise<void> {
    await this.advanceTo(barrier);
    const found = subsetsOf(this.log.epochs[barrier] ?? [], barrierSeed(runSeed, barrier), 8).find((s) => s.name === subset);
    if (!found) throw new Error(`no subset ${subset} at barrier ${barrier}`);
    await this.withState(found.writes, check);
  }

  /** Applies epochs up to barrier - 1 to the base: what every cut at `barrier` starts from. */
  private async advanceTo(barrier: number): Promise<void> {
    if (barrier < this.applied) throw new Error(`cut states go forward only: at barrier ${this.applied}, asked for ${barrier}`);
    const writes: LoggedWrite[] = [];
    for (; this.applied < barrier; this.applied++) writes.push(...(this.log.epochs[this.applied] ?? []));
    await applyWrites(this.base, writes);
  }

  private async withState(writes: readonly LoggedWrite[], check: (file: string) => Promise<void>): Promise<void> {
    const file = path.join(this.dir, 'state.img');
    await execa('cp', ['--reflink=always', this.base, file]);
    try {
      await applyWrites(file, writes);
      await check(file);
    } finally {
      await rm(file, { force: true });
    }
  }
}
