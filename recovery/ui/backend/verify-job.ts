/** The terminal UI's verify: re-hash a repository's chunks, or compare a disk with a snapshot. */
import { openSource } from '../../disks/open-for-pipeline.js';
import { withHelper, type HelperOptions } from '../../helper/helper-client.js';
import { verifyAgainst, verifySnapshots } from '../../pipeline/verify.js';
import { Repository } from '../../repository/repository.js';
import type { JobIo, VerifyJob, VerifyOutcome } from './types.js';

export async function runVerify(helperOptions: HelperOptions, job: VerifyJob, io: JobIo): Promise<VerifyOutcome> {
  const repository = await Repository.open(job.repoDir);
  const againstPath = job.againstPath;
  if (againstPath !== undefined) {
    const snapshot = await repository.findSnapshot(job.snapshotId ?? 'latest');
    return withHelper(helperOptions, async (helper) => {
      const opened = await openSource(againstPath, helper);
      try {
        const result = await verifyAgainst({
          snapshot,
          disk: opened.disk,
          target: { path: opened.disk.path, sizeBytes: opened.disk.sizeBytes, logicalSectorSize: opened.disk.logicalSectorSize },
          signal: io.signal,
          onProgress: io.onProgress,
        });
        return {
          kind: 'against',
          snapshotCount: 1,
          checkedChunks: result.checkedChunks,
          problemCount: result.mismatchCount,
          problems: result.mismatches,
          durationSeconds: result.durationSeconds,
        };
      } finally {
        await opened.disk.close();
      }
    });
  }
  let snapshots;
  let damaged: string[] = [];
  if (job.snapshotId !== null) snapshots = [await repository.findSnapshot(job.snapshotId)];
  else ({ snapshots, damaged } = await repository.listSnapshots());
  const result = await verifySnapshots({ repository, snapshots, signal: io.signal, onProgress: io.onProgress });
  return {
    kind: 'chunks',
    snapshotCount: snapshots.length,
    checkedChunks: result.checkedChunks,
    problemCount: result.problemCount + damaged.length,
    problems: [...damaged, ...result.problems],
    durationSeconds: result.durationSeconds,
  };
}
