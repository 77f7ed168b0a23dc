/**
 * Shared bits of the failpoint crash tests (capture, prune, forget, repair): which hits of a point
 * to try, the verdict that a run died where it was told to, and a small two-lane runner. Nothing
 * here looks at a clock to decide anything; durations are only printed.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { CAPTURE_POINTS } from '../../../recovery/core/failpoints/capture-points.js';
import type { FailpointSpec } from '../../../recovery/core/failpoints/failpoint-spec.js';
import { checkRepository } from '../../../recovery/pipeline/check-repository.js';
import { verifySnapshots } from '../../../recovery/pipeline/verify.js';
import { Repository } from '../../../recovery/repository/repository.js';

/**
 * The pack writer's points, in the capture table, that every writer of packs reaches: prune when
 * it copies live blobs into new packs, repair when it copies the good blobs of damaged packs.
 */
export const PACK_WRITER_POINTS = CAPTURE_POINTS.filter((point) =>
  ['capture.after-blob-append', 'capture.after-pack-seal', 'capture.after-pack-rename'].includes(point.name),
);

/** One kill to try: a point of the table and the hit at which the run dies. */
export interface Kill {
  point: FailpointSpec;
  hit: number;
}

/**
 * The hits to try for each point: 1 for a point reached once per run; for one that repeats, the
 * first, the second and the last that an uninterrupted run reaches (`lastHit`, counted from a
 * deterministic property of the input such as its chunks or packs, never from timing).
 */
export function killsOf(points: readonly FailpointSpec[], lastHit: (point: FailpointSpec) => number): Kill[] {
  const kills: Kill[] = [];
  for (const point of points) {
    const last = point.repeats ? lastHit(point) : 1;
    expect(last, `${point.name}: an uninterrupted run reaches it`).toBeGreaterThanOrEqual(1);
    for (const hit of [...new Set([1, 2, last])].filter((n) => n <= last).sort((a, b) => a - b)) kills.push({ point, hit });
  }
  return kills;
}

export function killName(kill: Kill): string {
  return `${kill.point.name}:${kill.hit}`;
}

/** The run died by SIGKILL, so it reached the point: a point never reached would let it finish. */
export function expectKilled(run: { signal?: string | undefined; exitCode?: number | undefined; stdout: unknown; stderr: unknown }, why: string): void {
  expect(
    run.signal,
    `${why}: the run must die at the failpoint (exit ${String(run.exitCode)})\n${String(run.stdout).slice(-800)}\n${String(run.stderr).slice(-800)}`,
  ).toBe('SIGKILL');
}

/** After a finished writer: tmp/ empty (or never made) and no lock. */
export async function expectSettled(repo: string, why: string): Promise<void> {
  expect(await readdir(path.join(repo, 'tmp')).catch(() => []), `${why}: tmp/`).toEqual([]);
  expect(await readdir(repo), why).not.toContain('lock');
}

/** Snapshot ids, oldest first, as `lifeboat snapshots` lists them (read in this process: one node start less per case). */
export async function listedIds(repo: string): Promise<string[]> {
  const { snapshots, damaged } = await (await Repository.open(repo)).listSnapshots();
  expect(damaged, repo).toEqual([]);
  return snapshots.map((snapshot) => snapshot.id);
}

/**
 * `lifeboat check` (--read-data unless told otherwise) run in this process (the function the command calls; one node
 * start less per case): asserts it passes, and returns what it noted as `severity:kind`.
 */
export async function expectRepositoryChecks(repo: string, why: string, readData = true): Promise<string[]> {
  const result = await checkRepository({ repoDir: repo, readData });
  const noted = result.findings.map((f) => `${f.severity}:${f.kind}`);
  expect(
    result.findings.filter((f) => f.severity === 'error'),
    `check${readData ? ' --read-data' : ''} after ${why}: ${result.findings.map((f) => f.message).join('\n')}`,
  ).toEqual([]);
  expect(result.ok, why).toBe(true);
  return noted;
}

/** `lifeboat verify` of every snapshot, in this process: every chunk read, decompressed and re-hashed. */
export async function expectAllVerify(repo: string, why: string): Promise<void> {
  const repository = await Repository.open(repo);
  const { snapshots, damaged } = await repository.listSnapshots();
  expect(damaged, why).toEqual([]);
  const result = await verifySnapshots({ repository, snapshots });
  expect(result.problems, `verify after ${why}`).toEqual([]);
  expect(result.problemCount, `verify after ${why}`).toBe(0);
}

/**
 * Runs `work` for every item on two lanes (each case spawns its own processes, so two at a time
 * keep both cores busy). The first failure stops new cases; it is thrown once both lanes are idle.
 */
export async function inTwoLanes<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all([lane(), lane()]);
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/** Seconds since `startedMs` (performance.now()), for the one-line summaries. */
export function secondsSince(startedMs: number): string {
  return ((performance.now() - startedMs) / 1000).toFixed(1);
}
