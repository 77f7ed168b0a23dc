import { LifeboatError } from '../../core/errors.js';
import { formatBytes } from '../../core/format-bytes.js';
import { openSource } from '../../disks/open-for-pipeline.js';
import { withHelper } from '../../helper/helper-client.js';
import { verifyAgainst, verifySnapshots } from '../../pipeline/verify.js';
import { Repository } from '../../repository/repository.js';
import { formatDuration, jsonPrinter, textPrinter } from '../progress-printer.js';
import { currentTable, targetFacts } from './target-facts.js';

export interface VerifyCommandOptions {
  repo: string;
  snapshot?: string;
  against?: string;
  partition?: number;
  json: boolean;
  sectorSize?: number;
}

/**
 * `lifeboat verify`: prove every chunk of one snapshot (or of all, without --snapshot), or compare
 * a disk with a snapshot (--against). Differences are an error (exit code 1) after the full list.
 */
export async function verifyCommand(options: VerifyCommandOptions): Promise<void> {
  const printer = options.json ? jsonPrinter() : textPrinter();
  const repository = await Repository.open(options.repo);
  if (options.against) {
    const snapshot = await repository.findSnapshot(options.snapshot ?? 'latest');
    await withHelper({}, async (helper) => {
      const opened = await openSource(options.against as string, helper, options.sectorSize ? { sectorSize: options.sectorSize } : {});
      try {
        const { table } = await currentTable(opened);
        const result = await verifyAgainst({
          snapshot,
          disk: opened.disk,
          target: targetFacts(snapshot, opened, table, options.partition),
          ...(options.partition !== undefined ? { partitionNumber: options.partition } : {}),
          onProgress: (e) => printer.progress(e),
        });
        for (const sentence of result.mismatches) printer.warning(sentence);
        printer.result(
          [
            result.mismatchCount === 0
              ? `${opened.disk.path} matches snapshot ${snapshot.id}: ${result.checkedChunks} chunks and the partition table compared in ${formatDuration(result.durationSeconds)}.`
              : `${opened.disk.path} differs from snapshot ${snapshot.id} in ${result.mismatchCount} place(s).`,
          ],
          {
            snapshot: snapshot.id,
            against: opened.disk.path,
            checkedChunks: result.checkedChunks,
            mismatchCount: result.mismatchCount,
            mismatches: result.mismatches,
            durationSeconds: result.durationSeconds,
          },
        );
        if (result.mismatchCount > 0)
          throw new LifeboatError(
            'VERIFY_MISMATCH',
            `${opened.disk.path} differs from snapshot ${snapshot.id} in ${result.mismatchCount} place(s); the first: ${result.mismatches[0] ?? ''}`,
          );
      } finally {
        await opened.disk.close();
      }
    });
    return;
  }
  let snapshots;
  let damaged: string[] = [];
  if (options.snapshot) snapshots = [await repository.findSnapshot(options.snapshot)];
  else ({ snapshots, damaged } = await repository.listSnapshots());
  for (const sentence of damaged) printer.warning(sentence);
  const result = await verifySnapshots({ repository, snapshots, onProgress: (e) => printer.progress(e) });
  for (const sentence of result.problems) printer.warning(sentence);
  const problems = result.problemCount + damaged.length;
  printer.result(
    [
      problems === 0
        ? `All ${result.checkedChunks} chunks of ${snapshots.length} snapshot(s) are intact (${formatBytes(result.checkedBytes)} decompressed and hashed in ${formatDuration(result.durationSeconds)}).`
        : `${problems} problem(s) in ${options.repo}: ${result.problemCount} damaged or missing chunk(s), ${damaged.length} damaged manifest(s).`,
    ],
    {
      snapshots: result.snapshotIds,
      checkedChunks: result.checkedChunks,
      checkedBytes: result.checkedBytes,
      problemCount: problems,
      problems: [...damaged, ...result.problems],
      durationSeconds: result.durationSeconds,
    },
  );
  if (problems > 0)
    throw new LifeboatError(
      'CORRUPT_IMAGE',
      `The repository ${options.repo} has ${problems} problem(s); the first: ${[...damaged, ...result.problems][0] ?? ''}`,
    );
}
