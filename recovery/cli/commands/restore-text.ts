/** What `lifeboat restore` prints: the plan before it asks, and the result after. */
import { formatBytes } from '../../core/format-bytes.js';
import type { OpenedDisk } from '../../disks/open-for-pipeline.js';
import type { PartitionTable } from '../../partitions/partition-table.js';
import type { RestoreJournal } from '../../pipeline/restore-journal.js';
import type { RestorePlan } from '../../pipeline/restore-plan.js';
import type { RestoreResult } from '../../pipeline/restore.js';
import type { Snapshot } from '../../repository/snapshot-types.js';
import { extentLines, targetLines } from '../plan-text.js';
import { formatDuration } from '../progress-printer.js';
import type { GrowOutcome } from './restore-grow.js';

export interface PlanTextInput {
  snapshot: Snapshot;
  opened: OpenedDisk;
  plan: RestorePlan;
  current: { table: PartitionTable | null; problem: string | null };
  resume: RestoreJournal | null;
  discard: boolean;
}

function percentOf(part: number, whole: number): string {
  return whole > 0 ? `${Math.floor((part / whole) * 100)}%` : '100%';
}

/** The sentence that warns about an unfinished restore a new restore will start over. */
export function unfinishedWarning(path: string, journal: RestoreJournal): string {
  return `${path} holds an unfinished restore of snapshot ${journal.snapshotId} (started ${journal.startedAt}, ${formatBytes(journal.bytesDone)} of ${formatBytes(journal.usedBytes)} durable at ${journal.updatedAt}). This restore starts over from the beginning; add --resume to continue that one instead.`;
}

export function planLines({ snapshot, opened, plan, current, resume, discard }: PlanTextInput): string[] {
  const d = snapshot.description;
  const steps: string[] = [];
  let number = 0;
  const step = (text: string) => steps.push(`  ${++number}. ${text}`);
  const table = plan.table;
  step(`clear the old partition-table and filesystem signatures (zeros over the first and last MiB${plan.mode === 'partition' ? ' of the partition' : ''})`);
  if (discard) step(`discard (TRIM) the free space: everything no partition's used data occupies`);
  if (resume) {
    step(
      `write the remaining ${formatBytes(plan.usedBytes - resume.bytesDone)} of used data (resuming: ${formatBytes(resume.bytesDone)}, ${percentOf(resume.bytesDone, plan.usedBytes)}, is written and durable), every chunk checked against its SHA-256 first:`,
    );
  } else {
    step(`write ${formatBytes(plan.usedBytes)} of used data, every chunk checked against its SHA-256 first:`);
  }
  steps.push(...extentLines(plan.extents.map((e) => ({ ...e.extent, startBytes: e.targetStartBytes }))));
  step(
    table
      ? `write the first and last MiB and the ${table.scheme.toUpperCase()} partition table last: ${plan.tableWrites.map((w) => w.what).join(', ')}`
      : 'write the first and last MiB last',
  );
  if (plan.grow) {
    const g = plan.grow;
    const tool = g.filesystem === 'ntfs' ? 'ntfsresize, then check it with ntfsfix -n' : 'resize2fs, then check it with e2fsck -f -n';
    step(
      `grow partition ${g.partitionNumber} from ${formatBytes(g.fromBytes)} to ${formatBytes(g.toBytes)} (${g.toBytes} bytes) and its ${g.filesystem} filesystem to fill it with ${tool}`,
    );
  }
  const who = [d.source.model, d.source.serial].filter(Boolean).join(', ') || 'no model';
  return [
    `Snapshot ${snapshot.id}: ${d.source.path} (${who}), ${formatBytes(d.source.sizeBytes)}, captured ${d.createdAt}${d.note ? `, "${d.note}"` : ''}`,
    ...targetLines(
      opened,
      plan.mode === 'partition' && plan.target.partitionOffsetBytes === undefined ? null : current.table,
      plan.mode === 'partition' ? null : current.problem,
    ),
    ...(resume ? [`  now: an unfinished restore of this snapshot, started ${resume.startedAt}, last checkpoint ${resume.updatedAt}`] : []),
    `Plan (${plan.mode === 'disk' ? 'whole disk' : `one partition at byte ${plan.extents[0]?.targetStartBytes ?? 0}`}${resume ? ', resumed' : ''}):`,
    ...steps,
    ...plan.notes.map((note) => `  note: ${note}`),
  ];
}

export function planJson({ snapshot, opened, plan, resume, discard }: PlanTextInput): Record<string, unknown> {
  return {
    type: 'plan',
    snapshot: snapshot.id,
    target: opened.disk.path,
    mode: plan.mode,
    requiredBytes: plan.requiredBytes,
    usedBytes: plan.usedBytes,
    targetSizeBytes: opened.disk.sizeBytes,
    notes: plan.notes,
    resume: resume
      ? { restoreId: resume.restoreId, bytesDone: resume.bytesDone, chunksDone: resume.chunksDone, startedAt: resume.startedAt, updatedAt: resume.updatedAt }
      : null,
    discard,
    grow: plan.grow,
  };
}

export function resultLines(snapshot: Snapshot, opened: OpenedDisk, result: RestoreResult, grow: GrowOutcome | null, plan: RestorePlan): string[] {
  const rate = result.durationSeconds > 0 ? result.writtenBytes / result.durationSeconds : 0;
  const lines = [
    `Restored snapshot ${snapshot.id} onto ${opened.disk.path}: ${formatBytes(result.writtenBytes)} written in ${formatDuration(result.durationSeconds)} (${formatBytes(rate)}/s)${result.resumed ? `; resumed, ${formatBytes(result.skippedBytes)} were already durable and not written again` : ''}.`,
  ];
  if (result.discardedBytes !== null) lines.push(`Discarded (TRIM) ${formatBytes(result.discardedBytes)} of free space.`);
  if (result.verification) lines.push(`Read back and compared ${result.verification.checkedChunks} chunks and the partition table: identical.`);
  if (grow && plan.grow) {
    const checker = plan.grow.filesystem === 'ntfs' ? 'ntfsfix -n' : 'e2fsck -f -n';
    const fsSize = grow.filesystemBytes === null ? 'fills it' : `is now ${formatBytes(grow.filesystemBytes)} (${grow.filesystemBytes} bytes)`;
    lines.push(
      `Grew partition ${plan.grow.partitionNumber} (${grow.device}) from ${formatBytes(plan.grow.fromBytes)} to ${formatBytes(plan.grow.toBytes)}; its ${plan.grow.filesystem} filesystem ${fsSize}, and ${checker} finds no problem.`,
    );
    if (plan.grow.filesystem === 'ntfs') lines.push('Windows will check the grown NTFS volume (chkdsk) once at its next start, as ntfsresize asks it to.');
  }
  return lines;
}

export function resultJson(
  snapshot: Snapshot,
  opened: OpenedDisk,
  result: RestoreResult,
  grow: GrowOutcome | null,
  plan: RestorePlan,
): Record<string, unknown> {
  return {
    snapshot: snapshot.id,
    target: opened.disk.path,
    mode: result.mode,
    writtenBytes: result.writtenBytes,
    skippedBytes: result.skippedBytes,
    resumed: result.resumed,
    discardedBytes: result.discardedBytes,
    durationSeconds: result.durationSeconds,
    verified: result.verification !== null,
    verifiedChunks: result.verification?.checkedChunks ?? 0,
    grow: grow && plan.grow ? { ...plan.grow, device: grow.device, filesystemBytes: grow.filesystemBytes } : null,
  };
}
