/** The terminal UI's restore: the same plan, safety rules and write order as `lifeboat restore`. */
import { openTarget } from '../../disks/open-for-pipeline.js';
import { withHelper, type HelperOptions } from '../../helper/helper-client.js';
import { kernelPartitions } from '../../partitions/kernel-partitions.js';
import { planRestore } from '../../pipeline/restore-plan.js';
import { restore } from '../../pipeline/restore.js';
import { Repository } from '../../repository/repository.js';
import type { JobIo, RestoreJob, RestoreOutcome } from './types.js';

export async function runRestore(helperOptions: HelperOptions, job: RestoreJob, io: JobIo): Promise<RestoreOutcome> {
  const repository = await Repository.open(job.repoDir);
  const snapshot = await repository.findSnapshot(job.snapshotId);
  return withHelper(helperOptions, async (helper) => {
    // openTarget applies the safety rules again: the disk list the person chose from may be stale.
    const opened = await openTarget(job.targetPath, helper, { repoDir: job.repoDir });
    try {
      // Planned on the opened disk's real size, not on the list's, in case the two differ.
      const plan = planRestore(snapshot, { path: opened.disk.path, sizeBytes: opened.disk.sizeBytes, logicalSectorSize: opened.disk.logicalSectorSize });
      const device = opened.partition ? undefined : opened.helperDisk?.path;
      const result = await restore({
        repository,
        snapshot,
        plan,
        target: opened.disk,
        verify: job.verify,
        signal: io.signal,
        onProgress: io.onProgress,
        ...(device && plan.mode === 'disk'
          ? { reread: () => helper.rereadPartitions(device, kernelPartitions(snapshot.description.table)).then(() => undefined) }
          : {}),
      });
      return {
        mode: result.mode,
        writtenBytes: result.writtenBytes,
        durationSeconds: result.durationSeconds,
        verifiedChunks: result.verification?.checkedChunks ?? null,
      };
    } finally {
      await opened.disk.close();
    }
  });
}
