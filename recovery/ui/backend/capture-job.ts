/** The terminal UI's capture: the engine's capture, then (when asked) a check of the new snapshot. */
import { openSource } from '../../disks/open-for-pipeline.js';
import { withHelper, type HelperOptions } from '../../helper/helper-client.js';
import { capture } from '../../pipeline/capture.js';
import { extentLabel } from '../../pipeline/extents.js';
import { verifySnapshots } from '../../pipeline/verify.js';
import { Repository } from '../../repository/repository.js';
import type { CaptureJob, CaptureOutcome, JobIo } from './types.js';

export async function runCapture(helperOptions: HelperOptions, job: CaptureJob, io: JobIo): Promise<CaptureOutcome> {
  return withHelper(helperOptions, async (helper) => {
    const source = await openSource(job.sourcePath, helper);
    let result;
    try {
      for (const warning of source.warnings) io.onWarning(warning);
      result = await capture({
        repoDir: job.repoDir,
        source: source.disk,
        identity: source.identity,
        ...(job.partitionNumber !== undefined ? { partitionNumber: job.partitionNumber } : {}),
        level: job.level,
        note: job.note,
        signal: io.signal,
        onProgress: io.onProgress,
        onWarning: io.onWarning,
      });
    } finally {
      await source.disk.close();
    }
    let verification: CaptureOutcome['verification'] = null;
    if (job.verifyAfter) {
      const repository = await Repository.open(job.repoDir);
      const checked = await verifySnapshots({ repository, snapshots: [result.snapshot], onProgress: io.onProgress, signal: io.signal });
      verification = { checkedChunks: checked.checkedChunks, problemCount: checked.problemCount, problems: checked.problems };
    }
    return {
      snapshotId: result.snapshot.id,
      repositoryCreated: result.repositoryCreated,
      usedBytes: result.usedBytes,
      storedBytes: result.storedBytes,
      newChunks: result.newChunks,
      reusedChunks: result.reusedChunks,
      durationSeconds: result.durationSeconds,
      extents: result.snapshot.description.extents.map((e) => ({ label: extentLabel(e), usedBytes: e.usedBytes, coverage: e.coverage })),
      verification,
    };
  });
}
