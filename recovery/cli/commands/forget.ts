import { formatBytes } from '../../core/format-bytes.js';
import { forgetSnapshot } from '../../repository/forget-snapshot.js';
import { Repository } from '../../repository/repository.js';

export const FORGET_SCHEMA = 'lifeboat.forget/1';

/** `lifeboat forget --repo DIR --snapshot ID`: removes one manifest; prune frees its chunks later. */
export async function forgetCommand(options: { repo: string; snapshot: string; json: boolean }): Promise<void> {
  const repository = await Repository.open(options.repo);
  const result = await forgetSnapshot(repository, options.snapshot);
  const d = result.snapshot?.description;
  if (options.json) {
    const snapshot = d ? { createdAt: d.createdAt, source: d.source.path, note: d.note, usedBytes: d.totals.usedBytes } : null;
    process.stdout.write(
      `${JSON.stringify({ schema: FORGET_SCHEMA, repository: options.repo, id: result.id, file: result.file, snapshot, damaged: result.damaged, warnings: result.takenOver ? [result.takenOver] : [] }, null, 2)}\n`,
    );
    return;
  }
  if (result.takenOver) process.stderr.write(`warning: ${result.takenOver}\n`);
  const what = d
    ? ` (captured ${d.createdAt} from ${d.source.path}, ${formatBytes(d.totals.usedBytes)} used${d.note ? `, note "${d.note}"` : ''})`
    : ' (its manifest was damaged)';
  process.stdout.write(
    `Forgot snapshot ${result.id}${what}.\nIts chunks stay in the packs until \`lifeboat prune --repo ${options.repo}\` frees the ones no other snapshot uses.\n`,
  );
}
