/**
 * What must hold for a repository on ext4 after a power cut (one cut state of the harness): the
 * filesystem mounts (journal replayed); `check --read-data` passes, or names repair as the fix and
 * passes after it; every listed snapshot verifies; no snapshot whose capture had finished before
 * the barrier is lost; and the interrupted command, run again, completes and verifies. The engine
 * runs in this process (the functions the CLI commands call): a node start per cut would cost more
 * than the checks.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { openImageFile } from '../../../recovery/disks/open-disk.js';
import { capture } from '../../../recovery/pipeline/capture.js';
import { checkRepository } from '../../../recovery/pipeline/check-repository.js';
import { prune } from '../../../recovery/pipeline/prune.js';
import { repair } from '../../../recovery/pipeline/repair.js';
import { verifySnapshots } from '../../../recovery/pipeline/verify.js';
import { forgetSnapshot } from '../../../recovery/repository/forget-snapshot.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { barrierByte } from '../../helpers/power-cut-log.js';
import type { CutState } from '../../helpers/power-cut-states.js';
import { waitUntil } from '../../helpers/poll.js';
import { MiB } from '../pipeline/cli-pipeline.js';
import type { RecordedCommand, RepositoryRecording } from './repository-record.js';

export interface RepositoryCutOutcome {
  /** check found damage, named repair, and passed after it. */
  repaired: boolean;
  /** The cut came before repository.json was durable: nothing there yet. */
  noRepository: boolean;
  /** What check noted before anything ran again ('warning:tmp-file', ...): what the cut left. */
  findings: string[];
}

/**
 * Snapshots that must survive a cut at `barrier`. A capture that reported success must have made
 * its snapshot durable before it exited: it must be there after a cut at the last barrier before
 * the exit even when nothing written after that barrier reached the disk, and at every later
 * barrier. A snapshot stops being owed once its forget may have reached the disk (the forget had
 * started before the barrier after this one).
 */
export function mustSurvive(rec: RepositoryRecording, barrier: number): string[] {
  const barriersBefore = (position: number) => rec.log.barrierAt.filter((at) => at < position).length;
  const epochEnd = barrierByte(rec.log, barrier + 1);
  return [...rec.finishedAt]
    .filter(([id, finished]) => {
      const forgotten = rec.forgottenFrom.get(id);
      const beingForgotten = forgotten !== undefined && (barrier + 1 > rec.log.barrierAt.length || forgotten < epochEnd);
      return barrier >= barriersBefore(finished) && !beingForgotten;
    })
    .map(([id]) => id);
}

async function expectWholeSnapshots(repo: string, mustHave: readonly string[], why: string): Promise<string[]> {
  const repository = await Repository.open(repo);
  const { snapshots, damaged } = await repository.listSnapshots();
  expect(damaged, `${why}: a manifest is visible but damaged`).toEqual([]);
  const ids = snapshots.map((s) => s.id);
  for (const id of mustHave) expect(ids, `${why}: snapshot ${id} had been reported finished before the cut`).toContain(id);
  const verified = await verifySnapshots({ repository, snapshots, threads: 1 });
  expect(verified.problems, `${why}: a listed snapshot is incomplete`).toEqual([]);
  expect(verified.problemCount, why).toBe(0);
  return ids;
}

async function expectCheckPasses(repo: string, why: string, findings: string[]): Promise<boolean> {
  let result = await checkRepository({ repoDir: repo, readData: true, threads: 1 });
  findings.push(...result.findings.map((f) => `${f.severity}:${f.kind}`));
  if (result.ok) return false;
  const errors = result.findings.filter((f) => f.severity === 'error');
  // The promise: damage a power cut leaves is named, with repair (or running the command again) as the fix.
  for (const e of errors) expect(e.action ?? '', `${why}: check found "${e.message}" and offers no repair`).toMatch(/repair|again/);
  await repair({ repository: await Repository.open(repo), readData: true, threads: 1 });
  result = await checkRepository({ repoDir: repo, readData: true, threads: 1 });
  expect(
    result.findings.filter((f) => f.severity === 'error'),
    `${why}: check after repair`,
  ).toEqual([]);
  return true;
}

async function captureAgain(repo: string, source: string): Promise<string> {
  const disk = await openImageFile(source);
  try {
    const result = await capture({ repoDir: repo, source: disk, identity: { model: null, serial: null }, packSizeBytes: MiB, threads: 1 });
    return result.snapshot.id;
  } finally {
    await disk.close();
  }
}

/**
 * A lock file a cut left empty or torn is taken over only once it is two seconds old (its mtime,
 * repository-lock.ts). The recording is normally long past by now; on a machine fast enough that
 * it is not, wait (poll) until it is, so the verdict never depends on the machine's speed.
 */
async function waitForTornLockToAge(repo: string): Promise<void> {
  const lock = path.join(repo, 'lock');
  const text = await readFile(lock, 'utf8').catch(() => null);
  if (text === null) return;
  try {
    JSON.parse(text);
    return;
  } catch {
    // Empty or torn: its age decides.
  }
  await waitUntil(`the torn lock ${lock} to be 2.5 s old`, async () => Date.now() - (await stat(lock)).mtimeMs >= 2500, { intervalMs: 100 });
}

/** Runs the interrupted command again and checks what it promised. */
async function rerun(command: RecordedCommand, repo: string, rec: RepositoryRecording, mustHave: string[], why: string): Promise<void> {
  const [first, second] = [...rec.finishedAt.keys()] as [string, string];
  if (command.name === 'capture' || command.name === 'incremental capture') {
    const id = await captureAgain(repo, command.name === 'capture' ? rec.sources.first : rec.sources.second);
    expect(await expectWholeSnapshots(repo, [...mustHave, id], `${why}, after capturing again`)).toContain(id);
  } else if (command.name === 'forget + prune') {
    const repository = await Repository.open(repo);
    if ((await repository.listSnapshots()).snapshots.some((s) => s.id === first)) await forgetSnapshot(repository, first);
    await prune({ repository: await Repository.open(repo), threads: 1 });
    const ids = await expectWholeSnapshots(repo, [second], `${why}, after forget + prune again`);
    expect(ids, `${why}: the forgotten snapshot is back`).not.toContain(first);
  } else {
    await repair({ repository: await Repository.open(repo), readData: false, threads: 1 });
    await expectWholeSnapshots(repo, mustHave, `${why}, after repair again`);
  }
  // verify has just re-hashed every chunk a snapshot references; check adds the structure.
  const after = await checkRepository({ repoDir: repo, readData: false, threads: 1 });
  expect(
    after.findings.filter((f) => f.severity === 'error'),
    `${why}: check after the rerun`,
  ).toEqual([]);
}

/** Attaches a cut state, mounts it (ext4 replays its journal), checks it, and undoes both. */
export async function checkRepositoryCut(
  file: string,
  mountpoint: string,
  cut: CutState,
  command: RecordedCommand,
  rec: RepositoryRecording,
): Promise<RepositoryCutOutcome> {
  const why = `${command.name}, power cut at barrier ${cut.barrier} (${cut.subset}: ${cut.kept} of ${cut.of} writes after it)`;
  const device = (await execa('losetup', ['--find', '--show', file])).stdout.trim();
  let mounted = false;
  try {
    await mkdir(mountpoint, { recursive: true });
    const mount = await execa('mount', ['-t', 'ext4', device, mountpoint], { reject: false, all: true });
    expect(mount.exitCode, `${why}: ext4 does not mount: ${mount.all ?? ''}`).toBe(0);
    mounted = true;
    const repo = path.join(mountpoint, rec.repoInFs);
    await waitForTornLockToAge(repo);
    const mustHave = mustSurvive(rec, cut.barrier);
    const outcome: RepositoryCutOutcome = { repaired: false, noRepository: false, findings: [] };
    if (!existsSync(path.join(repo, 'repository.json'))) {
      expect(mustHave, `${why}: the repository is gone`).toEqual([]);
      outcome.noRepository = true;
    } else {
      outcome.repaired = await expectCheckPasses(repo, why, outcome.findings);
      await expectWholeSnapshots(repo, mustHave, why);
    }
    await rerun(command, repo, rec, mustHave, why);
    return outcome;
  } finally {
    if (mounted) await execa('umount', [mountpoint], { reject: false });
    await execa('losetup', ['--detach', device], { reject: false });
    await rmdir(mountpoint).catch(() => undefined);
  }
}
