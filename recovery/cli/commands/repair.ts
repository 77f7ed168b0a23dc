import { repair, type RepairResult } from '../../pipeline/repair.js';
import { Repository } from '../../repository/repository.js';
import { formatDuration, textPrinter } from '../progress-printer.js';

export const REPAIR_SCHEMA = 'lifeboat.repair/1';

function repairText(repo: string, result: RepairResult): string[] {
  const lines = [
    `Rebuilt the index of ${repo} from ${result.packsRead} pack(s) in ${formatDuration(result.durationSeconds)}: ${result.chunksIndexed} chunk(s) indexed${result.chunksBefore === null ? ' (the old index was unreadable)' : `, ${result.chunksBefore} before, ${result.chunksDropped} of those no longer in any sound pack`}.`,
  ];
  if (result.salvagedPacks > 0 || result.removedTmpFiles > 0)
    lines.push(`tmp/: ${result.salvagedPacks} unfinished pack(s) sealed for reuse, ${result.removedTmpFiles} leftover file(s) removed.`);
  for (const pack of result.rebuilt)
    lines.push(`Pack ${pack.id} rewritten: ${pack.keptChunks} good chunk(s) kept, ${pack.lostBlobs} damaged blob(s) dropped (${pack.why}).`);
  for (const sentence of result.damagedManifests) lines.push(`Damaged manifest, left in place: ${sentence}`);
  for (const s of result.incomplete) {
    lines.push(
      `Snapshot ${s.id} (captured ${s.createdAt} from ${s.source}) is incomplete: ${s.missingChunks} chunk(s) are in no pack, the first holds ${s.firstPlace}. It was kept: copy the missing packs back if you have them, capture the same disk again to store those chunks anew, or remove it with \`lifeboat forget --repo ${repo} --snapshot ${s.id}\`.`,
    );
  }
  if (result.incomplete.length === 0 && result.damagedManifests.length === 0) lines.push('Every snapshot has all its chunks.');
  return lines;
}

/** `lifeboat repair --repo DIR [--read-data]`: a new index from the packs; names incomplete snapshots. */
export async function repairCommand(options: { repo: string; readData: boolean; json: boolean }): Promise<void> {
  const printer = textPrinter();
  const warnings: string[] = [];
  const repository = await Repository.open(options.repo);
  const result = await repair({
    repository,
    readData: options.readData,
    onWarning: (sentence) => (options.json ? warnings.push(sentence) : printer.warning(sentence)),
    ...(options.json ? {} : { onProgress: (event) => printer.progress(event) }),
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ schema: REPAIR_SCHEMA, repository: options.repo, ...result, warnings }, null, 2)}\n`);
  else printer.result(repairText(options.repo, result), {});
}
