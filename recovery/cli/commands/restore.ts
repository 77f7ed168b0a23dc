import { openTarget, type OpenedDisk } from '../../disks/open-for-pipeline.js';
import { kernelPartitions } from '../../partitions/kernel-partitions.js';
import type { PartitionTable } from '../../partitions/partition-table.js';
import { withHelper } from '../../helper/helper-client.js';
import { checkGrowTools } from '../../pipeline/grow-filesystem.js';
import { journalFits, readJournal, type RestoreJournal } from '../../pipeline/restore-journal.js';
import { planRestore } from '../../pipeline/restore-plan.js';
import { checkResume, nothingToResume } from '../../pipeline/resume-check.js';
import { restore } from '../../pipeline/restore.js';
import { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshot-types.js';
import { cancelOnSignal } from '../cancel-on-signal.js';
import { confirmTarget } from '../confirm.js';
import { jsonPrinter, textPrinter } from '../progress-printer.js';
import { growOnTarget, type GrowOutcome } from './restore-grow.js';
import { planJson, planLines, resultJson, resultLines, unfinishedWarning } from './restore-text.js';
import { currentTable, targetFacts } from './target-facts.js';

export interface RestoreCommandOptions {
  repo: string;
  /** An id prefix or `latest`; unset means latest, or with --resume the snapshot the target's journal names. */
  snapshot?: string;
  target: string;
  partition?: number;
  verify: boolean;
  precheck: boolean;
  yes: boolean;
  confirmTarget?: string;
  json: boolean;
  sectorSize?: number;
  resume?: boolean;
  growLast?: boolean;
  discard?: boolean;
}

/** Where the target's current table keeps copies of itself that a restore must clear too. */
function staleTableLbas(table: PartitionTable | null): number[] {
  const gpt = table?.gpt;
  if (!gpt) return [];
  return [gpt.primary?.alternateLba, gpt.backup?.myLba].filter((lba): lba is number => lba !== undefined);
}

/**
 * With --resume and no --snapshot, the snapshot is the one the target's journal names: the journal
 * of a whole-disk restore (at the disk's start) or of `--partition N` (at that partition's start).
 */
async function chooseSnapshot(repository: Repository, options: RestoreCommandOptions, opened: OpenedDisk, table: PartitionTable | null): Promise<Snapshot> {
  if (options.snapshot !== undefined || !options.resume) return repository.findSnapshot(options.snapshot ?? 'latest');
  const offsets = [0, ...(table?.partitions.filter((p) => p.number === options.partition).map((p) => p.startBytes) ?? [])];
  for (const offsetBytes of offsets) {
    const found = await readJournal(opened.disk, { offsetBytes, sizeBytes: opened.disk.sizeBytes - offsetBytes });
    if (found) return repository.findSnapshot(found.snapshotId);
  }
  return repository.findSnapshot('latest');
}

/** `lifeboat restore`: plan, print the plan, confirm, then write (partition table last). */
export async function restoreCommand(options: RestoreCommandOptions): Promise<void> {
  const printer = options.json ? jsonPrinter() : textPrinter();
  const repository = await Repository.open(options.repo);
  await withHelper({}, async (helper) => {
    const opened = await openTarget(options.target, helper, { repoDir: options.repo }, options.sectorSize ? { sectorSize: options.sectorSize } : {});
    const cancel = cancelOnSignal();
    try {
      const current = await currentTable(opened);
      const snapshot = await chooseSnapshot(repository, options, opened, current.table);
      const facts = { ...targetFacts(snapshot, opened, current.table, options.partition), staleTableLbas: staleTableLbas(current.table) };
      const plan = planRestore(snapshot, facts, options.partition, { growLast: Boolean(options.growLast) });
      if (plan.grow) await checkGrowTools(plan.grow.filesystem);
      const journal = await readJournal(opened.disk, plan.region);
      let resume: RestoreJournal | null = null;
      if (options.resume) {
        if (!journal) throw nothingToResume(opened.disk.path, journalFits(plan.region, opened.disk.logicalSectorSize) ? 'none' : 'too-small');
        checkResume(journal, snapshot, plan, opened.identity);
        resume = journal;
      } else if (journal) {
        printer.warning(unfinishedWarning(opened.disk.path, journal));
      }
      const discard = Boolean(options.discard);
      const text = { snapshot, opened, plan, current, resume, discard };
      printer.info(planLines(text), planJson(text));
      await confirmTarget(
        {
          yes: options.yes,
          ...(options.confirmTarget !== undefined ? { confirmTarget: options.confirmTarget } : {}),
          name: opened.name,
          path: opened.disk.path,
        },
        `This overwrites ${opened.disk.path}.`,
      );
      const device = opened.helperDisk?.path;
      const table = plan.table;
      let grown: GrowOutcome | null = null;
      const result = await restore({
        repository,
        snapshot,
        plan,
        target: opened.disk,
        verify: options.verify,
        precheck: options.precheck,
        signal: cancel.signal,
        onProgress: (event) => printer.progress(event),
        identity: opened.identity,
        ...(resume ? { resume } : {}),
        ...(discard
          ? {
              discard: {
                granularityBytes: Math.max(opened.disk.logicalSectorSize, opened.helperDisk?.discardGranularityBytes ?? 0),
                warn: (sentence: string) => printer.warning(sentence),
              },
            }
          : {}),
        ...(device && table && !opened.partition ? { reread: () => helper.rereadPartitions(device, kernelPartitions(table)).then(() => undefined) } : {}),
        ...(plan.grow
          ? {
              afterTable: async () => {
                // resize2fs and ntfsresize open the partition exclusively, which our exclusive open of the disk forbids.
                await opened.disk.close();
                grown = await growOnTarget(helper, opened, plan.grow as NonNullable<typeof plan.grow>);
              },
            }
          : {}),
      });
      printer.result(resultLines(snapshot, opened, result, grown, plan), resultJson(snapshot, opened, result, grown, plan));
    } finally {
      cancel.dispose();
      await opened.disk.close();
    }
  });
}
