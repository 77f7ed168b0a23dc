/**
 * Whether a restore journal found on a target may be continued by the restore about to run. Only
 * the very restore that wrote it: the same snapshot, written to the same span of a disk of the
 * same size, sector size and identity, with chunks going to the same places. Anything else would
 * trust bytes that were never written, so it is refused with what differs.
 */
import { LifeboatError } from '../core/errors.js';
import { formatBytes } from '../core/format-bytes.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import { usedChunks } from './extents.js';
import { planDigest, type RestorePlan } from './restore-plan.js';
import type { RestoreJournal } from './restore-journal.js';
import { extentRanges } from './snapshot-chunks.js';

export interface TargetIdentity {
  model: string | null;
  serial: string | null;
}

function describeTarget(t: RestoreJournal['target']): string {
  const who = [t.model, t.serial ? `serial ${t.serial}` : null].filter(Boolean).join(', ');
  return `${t.path}${who ? ` (${who})` : ''}, ${t.sizeBytes} bytes, ${t.logicalSectorSize}-byte sectors`;
}

function where(journal: Pick<RestoreJournal, 'mode' | 'regionOffsetBytes' | 'regionSizeBytes'>): string {
  return journal.mode === 'disk'
    ? 'a whole-disk restore'
    : `a partition restore at byte ${journal.regionOffsetBytes} (${formatBytes(journal.regionSizeBytes)})`;
}

/** Why `journal` cannot be resumed by this restore, as a sentence, or null when it can. */
export function resumeProblem(journal: RestoreJournal, snapshot: Snapshot, plan: RestorePlan, identity: TargetIdentity): string | null {
  const target = plan.target;
  if (journal.snapshotId !== snapshot.id) {
    return `The unfinished restore on ${target.path} is of snapshot ${journal.snapshotId}, not ${snapshot.id}. Resume it with --snapshot ${journal.snapshotId}, or restore ${snapshot.id} without --resume to start over.`;
  }
  const mine = journal.target;
  const differs =
    mine.sizeBytes !== target.sizeBytes ||
    mine.logicalSectorSize !== target.logicalSectorSize ||
    (mine.serial !== null && identity.serial !== null && mine.serial !== identity.serial) ||
    (mine.model !== null && identity.model !== null && mine.model !== identity.model);
  if (differs) {
    const now = [identity.model, identity.serial ? `serial ${identity.serial}` : null].filter(Boolean).join(', ');
    return `The restore journal on ${target.path} was written for another disk: ${describeTarget(mine)}; this one is ${target.path}${now ? ` (${now})` : ''}, ${target.sizeBytes} bytes, ${target.logicalSectorSize}-byte sectors. Lifeboat resumes only on the disk the restore started on; restore without --resume to start over.`;
  }
  const here = { mode: plan.mode, regionOffsetBytes: plan.region.offsetBytes, regionSizeBytes: plan.region.sizeBytes };
  if (journal.mode !== here.mode || journal.regionOffsetBytes !== here.regionOffsetBytes || journal.regionSizeBytes !== here.regionSizeBytes) {
    return `The unfinished restore on ${target.path} was ${where(journal)}; this one is ${where(here)}. Give the same --partition as the first time, or restore without --resume to start over.`;
  }
  if (journal.planDigest !== planDigest(snapshot, plan)) {
    return `The unfinished restore on ${target.path} put the snapshot's chunks in other places than this plan would; it cannot be continued. Restore without --resume to start over.`;
  }
  if (!countsAgree(journal, snapshot, plan)) {
    return `The restore journal on ${target.path} claims ${journal.chunksDone} chunks (${journal.bytesDone} bytes) are written, which does not fit this restore's plan; it cannot be trusted. Restore without --resume to start over.`;
  }
  return null;
}

/** The journal's chunk count must be a prefix of the plan's chunks, holding exactly the used bytes it claims. */
function countsAgree(journal: RestoreJournal, snapshot: Snapshot, plan: RestorePlan): boolean {
  let chunks = 0;
  let bytes = 0;
  for (const { extent } of plan.extents) {
    for (const slice of usedChunks(extentRanges(snapshot, extent), extent.sizeBytes, snapshot.description.chunkSizeBytes, plan.target.logicalSectorSize)) {
      if (chunks === journal.chunksDone) return bytes === journal.bytesDone;
      chunks++;
      bytes += slice.usedBytes;
    }
  }
  return chunks === journal.chunksDone && bytes === journal.bytesDone;
}

export function checkResume(journal: RestoreJournal, snapshot: Snapshot, plan: RestorePlan, identity: TargetIdentity): void {
  const problem = resumeProblem(journal, snapshot, plan, identity);
  if (problem) throw new LifeboatError('RESUME_MISMATCH', problem, { details: { device: plan.target.path } });
}

/** The refusal of `--resume` on a target that holds no journal. */
export function nothingToResume(path: string, why: 'none' | 'too-small'): LifeboatError {
  const reason =
    why === 'too-small'
      ? `the space it would restore into is smaller than a MiB, too small to hold a restore journal`
      : 'it holds no unfinished Lifeboat restore (no restore journal in its first MiB: the restore finished, never started writing, or was interrupted before its first durable step)';
  return new LifeboatError(
    'NOTHING_TO_RESUME',
    `There is nothing to resume on ${path}: ${reason}. Run the restore without --resume to start from the beginning.`,
    { details: { device: path } },
  );
}
