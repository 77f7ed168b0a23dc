/**
 * Records one restore onto a recording device that held another valid GPT layout, and checks a
 * cut state of it: the old disk untouched, or no valid partition table at all, or the complete
 * restore; where a restore journal survived, `restore --resume` finishes it and the result
 * verifies. Never anything else.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { sfdiskDump } from '../../helpers/fs-checkers.js';
import type { Scratch } from '../../helpers/loop-device.js';
import { startRecordingDevice } from '../../helpers/power-cut-device.js';
import { readWriteLog, type WriteLog } from '../../helpers/power-cut-log.js';
import type { CutState } from '../../helpers/power-cut-states.js';
import { withoutLastLba } from '../../helpers/round-trip-checks.js';
import { MiB, lifeboat, resultOf } from '../pipeline/cli-pipeline.js';
import { makeDecoy, targetState, type Decoy, type TargetState } from '../pipeline/restore-kill.js';
import { dataDisk } from '../repository/repository-cli.js';
import { recordedCli } from './recorded-cli.js';
import { mismatchesAgainst, restoreOntoFile } from './restore-in-process.js';

export const TARGET_BYTES = 64 * MiB;

export interface RestoreRecording {
  log: WriteLog;
  initialImage: string;
  repo: string;
  snapshot: string;
  decoy: Decoy;
  /** The source's table as sfdiskDump prints it, without the last usable LBA (the target is larger). */
  sourceDump: string;
  startByte: number;
  endByte: number;
}

function restoreArgs(repo: string, device: string, ...more: string[]): string[] {
  return ['restore', '--repo', repo, '--target', device, '--yes', '--confirm-target', path.basename(device), '--json', ...more];
}

export async function recordRestore(scratch: Scratch): Promise<RestoreRecording> {
  const source = await dataDisk(scratch, 'restore-source.img', 24 * MiB, 8, 1);
  const sourceDump = withoutLastLba(await sfdiskDump(source.device));
  const repo = path.join(scratch.dir, 'restore-repo');
  const captured = await lifeboat('capture', '--source', source.file, '--repo', repo, '--json');
  expect(captured.exitCode, captured.stdout + captured.stderr).toBe(0);
  const snapshot = String(resultOf(captured.stdout)['snapshot']);
  const image = await scratch.sparseFile('restore-target.img', TARGET_BYTES);
  const decoy = await makeDecoy(image);
  const recording = await startRecordingDevice(scratch, image, 'restore-target');
  let startByte = 0;
  let endByte = 0;
  try {
    startByte = await recording.logBytes();
    const restored = await recordedCli(...restoreArgs(repo, recording.device));
    expect(restored.exitCode, restored.stdout.slice(-800) + restored.stderr.slice(-800)).toBe(0);
    endByte = await recording.logBytes();
  } finally {
    await recording.stop();
  }
  return { log: await readWriteLog(recording.logFile), initialImage: recording.initialImage, repo, snapshot, decoy, sourceDump, startByte, endByte };
}

export type RestoreCutOutcome = TargetState | 'resumed' | 'restarted';

async function expectRestored(rec: RestoreRecording, file: string, why: string): Promise<void> {
  expect(withoutLastLba(await sfdiskDump(file)), `${why}: the table`).toBe(rec.sourceDump);
  expect(await mismatchesAgainst(rec.repo, rec.snapshot, file), `${why}: verify --against`).toEqual([]);
}

/**
 * Checks one cut state (an image file: sfdisk and blkid read files as they read devices) and
 * returns what it was and what finished it.
 */
export async function checkRestoreCut(file: string, cut: CutState, rec: RestoreRecording): Promise<RestoreCutOutcome[]> {
  const why = `restore, power cut at barrier ${cut.barrier} (${cut.subset}: ${cut.kept} of ${cut.of} writes after it)`;
  const { state, detail } = await targetState(file, rec.decoy.dump, (dump) => withoutLastLba(dump) === rec.sourceDump);
  expect(state, `${why}: ${detail}`).not.toBe('other');
  if (state === 'restored') {
    await expectRestored(rec, file, why);
    return [state];
  }
  const resumed = await restoreOntoFile(rec.repo, rec.snapshot, file, true);
  if (resumed === 'nothing-to-resume') {
    // No journal survived (the cut came before the clear step's flush): a restore from the start works.
    await restoreOntoFile(rec.repo, rec.snapshot, file, false);
    await expectRestored(rec, file, `${why}, restored again`);
    return [state, 'restarted'];
  }
  expect(resumed.resumed, why).toBe(true);
  await expectRestored(rec, file, `${why}, resumed`);
  return [state, 'resumed'];
}
