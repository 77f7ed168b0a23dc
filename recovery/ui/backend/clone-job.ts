/** The terminal UI's clone: a preview for the plan screen, then the same clone as `lifeboat clone`. */
import { openSource, openTarget } from '../../disks/open-for-pipeline.js';
import { withHelper, type HelperOptions } from '../../helper/helper-client.js';
import { kernelPartitions } from '../../partitions/kernel-partitions.js';
import { clone, planClone } from '../../pipeline/clone.js';
import { extentLabel } from '../../pipeline/extents.js';
import type { CloneJob, CloneOutcome, ClonePreview, JobIo } from './types.js';

/** What a clone would copy, read from the source; the target is only opened read-only for its size. */
export async function previewClone(helperOptions: HelperOptions, sourcePath: string, targetPath: string): Promise<ClonePreview> {
  return withHelper(helperOptions, async (helper) => {
    const source = await openSource(sourcePath, helper);
    try {
      const target = await openSource(targetPath, helper);
      try {
        const plan = await planClone(source.disk, target.disk);
        return {
          usedBytes: plan.usedBytes,
          requiredBytes: plan.requiredBytes,
          extents: plan.extents.map((e) => ({
            label: extentLabel(e),
            usedBytes: e.usedBytes,
            coverage: e.coverage,
            startBytes: e.startBytes,
            sizeBytes: e.sizeBytes,
            number: e.number,
            fsType: e.filesystem?.type ?? null,
            fsLabel: e.filesystem?.label ?? null,
          })),
          warnings: [...source.warnings, ...plan.warnings],
        };
      } finally {
        await target.disk.close();
      }
    } finally {
      await source.disk.close();
    }
  });
}

export async function runClone(helperOptions: HelperOptions, job: CloneJob, io: JobIo): Promise<CloneOutcome> {
  return withHelper(helperOptions, async (helper) => {
    const source = await openSource(job.sourcePath, helper);
    try {
      for (const warning of source.warnings) io.onWarning(warning);
      const target = await openTarget(job.targetPath, helper, { source });
      try {
        const plan = await planClone(source.disk, target.disk);
        for (const warning of plan.warnings) io.onWarning(warning);
        const device = target.partition ? undefined : target.helperDisk?.path;
        const result = await clone({
          source: source.disk,
          target: target.disk,
          plan,
          verify: job.verify,
          signal: io.signal,
          onProgress: io.onProgress,
          ...(device ? { reread: () => helper.rereadPartitions(device, kernelPartitions(plan.table)).then(() => undefined) } : {}),
        });
        return { copiedBytes: result.copiedBytes, durationSeconds: result.durationSeconds, verifiedChunks: result.verification?.checkedChunks ?? null };
      } finally {
        await target.disk.close();
      }
    } finally {
      await source.disk.close();
    }
  });
}
