import { formatBytes } from '../../core/format-bytes.js';
import { openSource, openTarget } from '../../disks/open-for-pipeline.js';
import { kernelPartitions } from '../../partitions/kernel-partitions.js';
import { withHelper } from '../../helper/helper-client.js';
import { clone, planClone } from '../../pipeline/clone.js';
import { cancelOnSignal } from '../cancel-on-signal.js';
import { confirmTarget } from '../confirm.js';
import { targetLines } from '../plan-text.js';
import { formatDuration, jsonPrinter, textPrinter } from '../progress-printer.js';
import { extentLabel } from '../../pipeline/extents.js';
import { currentTable } from './target-facts.js';

export interface CloneCommandOptions {
  source: string;
  target: string;
  verify: boolean;
  yes: boolean;
  confirmTarget?: string;
  json: boolean;
}

/** `lifeboat clone --source DISK --target DISK`: used blocks disk to disk, partition table last. */
export async function cloneCommand(options: CloneCommandOptions): Promise<void> {
  const printer = options.json ? jsonPrinter() : textPrinter();
  await withHelper({}, async (helper) => {
    const source = await openSource(options.source, helper);
    try {
      for (const warning of source.warnings) printer.warning(warning);
      const target = await openTarget(options.target, helper, { source });
      const cancel = cancelOnSignal();
      try {
        const plan = await planClone(source.disk, target.disk);
        for (const warning of plan.warnings) printer.warning(warning);
        const { table, problem } = await currentTable(target);
        printer.info(
          [
            `Source: ${source.disk.path}${source.identity.model ? ` (${source.identity.model})` : ''}, ${formatBytes(source.disk.sizeBytes)}`,
            ...targetLines(target, table, problem),
            `Plan: clear the target's partition-table signatures, copy ${formatBytes(plan.usedBytes)} of used data, write the partition table last:`,
            ...plan.extents.map((e) => `    ${extentLabel(e).padEnd(40)} ${formatBytes(e.usedBytes).padStart(10)}`),
          ],
          {
            type: 'plan',
            source: source.disk.path,
            target: target.disk.path,
            requiredBytes: plan.requiredBytes,
            usedBytes: plan.usedBytes,
            targetSizeBytes: target.disk.sizeBytes,
          },
        );
        await confirmTarget(
          {
            yes: options.yes,
            ...(options.confirmTarget !== undefined ? { confirmTarget: options.confirmTarget } : {}),
            name: target.name,
            path: target.disk.path,
          },
          `This overwrites ${target.disk.path}.`,
        );
        const device = target.helperDisk?.path;
        const result = await clone({
          source: source.disk,
          target: target.disk,
          plan,
          verify: options.verify,
          signal: cancel.signal,
          onProgress: (e) => printer.progress(e),
          ...(device ? { reread: () => helper.rereadPartitions(device, kernelPartitions(plan.table)).then(() => undefined) } : {}),
        });
        printer.result(
          [
            `Cloned ${source.disk.path} onto ${target.disk.path}: ${formatBytes(result.copiedBytes)} in ${formatDuration(result.durationSeconds)}${result.verification ? `; read back ${result.verification.checkedChunks} chunks: identical` : ''}.`,
          ],
          {
            source: source.disk.path,
            target: target.disk.path,
            copiedBytes: result.copiedBytes,
            durationSeconds: result.durationSeconds,
            verified: result.verification !== null,
          },
        );
      } finally {
        cancel.dispose();
        await target.disk.close();
      }
    } finally {
      await source.disk.close();
    }
  });
}
