/**
 * `lifeboat restore [--resume]` and `lifeboat verify --against` onto an image file, in this process:
 * the same engine calls as recovery/cli/commands/restore.ts and verify.ts make, without the plan
 * printing and the confirmation. A cut state of the harness is an image file, and a node start
 * per cut state would cost more than the restore itself.
 */
import type { OpenedDisk } from '../../../recovery/disks/open-for-pipeline.js';
import { openImageFile } from '../../../recovery/disks/open-disk.js';
import type { PartitionTable } from '../../../recovery/partitions/partition-table.js';
import { readJournal } from '../../../recovery/pipeline/restore-journal.js';
import { planRestore } from '../../../recovery/pipeline/restore-plan.js';
import { restore } from '../../../recovery/pipeline/restore.js';
import { checkResume } from '../../../recovery/pipeline/resume-check.js';
import { verifyAgainst } from '../../../recovery/pipeline/verify.js';
import { Repository } from '../../../recovery/repository/repository.js';
import { currentTable, targetFacts } from '../../../recovery/cli/commands/target-facts.js';

/** As restore.ts's staleTableLbas: the old table's other copy is cleared too. */
function staleTableLbas(table: PartitionTable | null): number[] {
  const gpt = table?.gpt;
  if (!gpt) return [];
  return [gpt.primary?.alternateLba, gpt.backup?.myLba].filter((lba): lba is number => lba !== undefined);
}

async function openFile(file: string, writable: boolean): Promise<OpenedDisk> {
  const disk = await openImageFile(file, { writable });
  return { disk, name: file, helperDisk: null, partition: null, identity: { model: null, serial: null } };
}

/** Restores (or with `resume`, resumes) `snapshotId` onto `file`; 'nothing-to-resume' when no journal is there. */
export async function restoreOntoFile(repoDir: string, snapshotId: string, file: string, resume: boolean): Promise<'nothing-to-resume' | { resumed: boolean }> {
  const repository = await Repository.open(repoDir);
  const opened = await openFile(file, true);
  try {
    const current = await currentTable(opened);
    const snapshot = await repository.findSnapshot(snapshotId);
    const facts = { ...targetFacts(snapshot, opened, current.table, undefined), staleTableLbas: staleTableLbas(current.table) };
    const plan = planRestore(snapshot, facts, undefined, { growLast: false });
    const journal = await readJournal(opened.disk, plan.region);
    if (resume) {
      if (!journal) return 'nothing-to-resume';
      checkResume(journal, snapshot, plan, opened.identity);
    }
    const result = await restore({
      repository,
      snapshot,
      plan,
      target: opened.disk,
      verify: false,
      precheck: true,
      identity: opened.identity,
      ...(resume && journal ? { resume: journal } : {}),
    });
    return { resumed: result.resumed };
  } finally {
    await opened.disk.close();
  }
}

/** verify --against: the mismatches between `file` and the snapshot (none: an exact restore). */
export async function mismatchesAgainst(repoDir: string, snapshotId: string, file: string): Promise<string[]> {
  const repository = await Repository.open(repoDir);
  const snapshot = await repository.findSnapshot(snapshotId);
  const opened = await openFile(file, false);
  try {
    const { table } = await currentTable(opened);
    const result = await verifyAgainst({ snapshot, disk: opened.disk, target: targetFacts(snapshot, opened, table, undefined), threads: 1 });
    return result.mismatchCount === 0 ? [] : [`${result.mismatchCount} mismatch(es)`, ...result.mismatches];
  } finally {
    await opened.disk.close();
  }
}
