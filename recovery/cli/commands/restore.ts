import { formatBytes } from '../../core/format-bytes.js';
import { openTarget } from '../../disks/open-for-pipeline.js';
import { kernelPartitions } from '../../partitions/kernel-partitions.js';
import { withHelper } from '../../helper/helper-client.js';
import { planRestore } from '../../pipeline/restore-plan.js';
import { restore } from '../../pipeline/restore.js';
import { Repository } from '../../repository/repository.js';
import { cancelOnSignal } from '../cancel-on-signal.js';
import { confirmTarget } from '../confirm.js';
import { extentLines, targetLines } from '../plan-text.js';
import { formatDuration, jsonPrinter, textPrinter } from '../progress-printer.js';
import { currentTable, targetFacts } from './target-facts.js';

export interface RestoreCommandOptions {
  repo: string;
  snapshot: string;
  target: string;
  partition?: number;
  verify: boolean;
  precheck: boolean;
  yes: boolean;
  confirmTarget?: string;
  json: boolean;
  sectorSize?: number;
}

/** `lifeboat restore`: plan, print the plan, confirm, then write (partition table last). */
export async function restoreCommand(options: RestoreCommandOptions): Promise<void> {
  const printer = options.json ? jsonPrinter() : textPrinter();
  const repository = await Repository.open(options.repo);
  const snapshot = await repository.findSnapshot(options.snapshot);
  await withHelper({}, async (helper) => {
    const opened = await openTarget(options.target, helper, { repoDir: options.repo }, options.sectorSize ? { sectorSize: options.sectorSize } : {});
    const cancel = cancelOnSignal();
    try {
      const { table, problem } = await currentTable(opened);
      const facts = targetFacts(snapshot, opened, table, options.partition);
      const plan = planRestore(snapshot, facts, options.partition);
      const d = snapshot.description;
      printer.info(
        [
          `Snapshot ${snapshot.id}: ${d.source.path} (${[d.source.model, d.source.serial].filter(Boolean).join(', ') || 'no model'}), ${formatBytes(d.source.sizeBytes)}, captured ${d.createdAt}${d.note ? `, "${d.note}"` : ''}`,
          ...targetLines(opened, plan.mode === 'partition' && facts.partitionOffsetBytes === undefined ? null : table, plan.mode === 'partition' ? null : problem),
          `Plan (${plan.mode === 'disk' ? 'whole disk' : `one partition at byte ${plan.extents[0]?.targetStartBytes ?? 0}`}):`,
          ...(plan.clearWrites.length > 0 ? ['  1. clear the old partition-table signatures'] : []),
          `  ${plan.clearWrites.length > 0 ? 2 : 1}. write ${formatBytes(plan.usedBytes)} of used data, every chunk checked against its SHA-256 first:`,
          ...extentLines(plan.extents.map((e) => ({ ...e.extent, startBytes: e.targetStartBytes }))),
          ...(plan.tableWrites.length > 0 ? [`  3. write the ${d.table.scheme.toUpperCase()} partition table last: ${plan.tableWrites.map((w) => w.what).join(', ')}`] : []),
          ...plan.notes.map((note) => `  note: ${note}`),
        ],
        { type: 'plan', snapshot: snapshot.id, target: opened.disk.path, mode: plan.mode, requiredBytes: plan.requiredBytes, usedBytes: plan.usedBytes, targetSizeBytes: opened.disk.sizeBytes, notes: plan.notes },
      );
      await confirmTarget({ yes: options.yes, ...(options.confirmTarget !== undefined ? { confirmTarget: options.confirmTarget } : {}), name: opened.name, path: opened.disk.path }, `This overwrites ${opened.disk.path}.`);
      const device = opened.helperDisk?.path;
      const result = await restore({
        repository,
        snapshot,
        plan,
        target: opened.disk,
        verify: options.verify,
        precheck: options.precheck,
        signal: cancel.signal,
        onProgress: (event) => printer.progress(event),
        ...(device && plan.mode === 'disk' ? { reread: () => helper.rereadPartitions(device, kernelPartitions(snapshot.description.table)).then(() => undefined) } : {}),
      });
      const rate = result.durationSeconds > 0 ? result.writtenBytes / result.durationSeconds : 0;
      printer.result(
        [
          `Restored snapshot ${snapshot.id} onto ${opened.disk.path}: ${formatBytes(result.writtenBytes)} in ${formatDuration(result.durationSeconds)} (${formatBytes(rate)}/s).`,
          ...(result.verification ? [`Read back and compared ${result.verification.checkedChunks} chunks and the partition table: identical.`] : []),
        ],
        { snapshot: snapshot.id, target: opened.disk.path, mode: result.mode, writtenBytes: result.writtenBytes, durationSeconds: result.durationSeconds, verified: result.verification !== null, verifiedChunks: result.verification?.checkedChunks ?? 0 },
      );
    } finally {
      cancel.dispose();
      await opened.disk.close();
    }
  });
}
