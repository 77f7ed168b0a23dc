import { formatBytes } from '../../core/format-bytes.js';
import { prune } from '../../pipeline/prune.js';
import { Repository } from '../../repository/repository.js';
import { formatDuration, textPrinter } from '../progress-printer.js';

export const PRUNE_SCHEMA = 'lifeboat.prune/1';

/** `lifeboat prune --repo DIR`: frees what no snapshot references; reports the bytes freed. */
export async function pruneCommand(options: { repo: string; json: boolean }): Promise<void> {
  const printer = textPrinter();
  const warnings: string[] = [];
  const repository = await Repository.open(options.repo);
  const result = await prune({
    repository,
    onWarning: (sentence) => (options.json ? warnings.push(sentence) : printer.warning(sentence)),
    ...(options.json ? {} : { onProgress: (event) => printer.progress(event) }),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ schema: PRUNE_SCHEMA, repository: options.repo, ...result, warnings }, null, 2)}\n`);
    return;
  }
  if (result.chunksRemoved === 0) {
    printer.result([`Nothing to prune in ${options.repo}: every stored chunk is used by one of its ${result.snapshots} snapshot(s).`], {});
    return;
  }
  printer.result(
    [
      `Pruned ${options.repo} in ${formatDuration(result.durationSeconds)}: removed ${result.chunksRemoved} chunk(s) no snapshot references, kept ${result.chunksKept} for ${result.snapshots} snapshot(s).`,
      `Packs: ${result.packsRemoved} deleted, ${result.packsRewritten} rewritten into ${result.packsWritten} new one(s); ${result.packsBefore} before, ${result.packsAfter} now.`,
      `Freed ${formatBytes(result.bytesFreed)} (packs: ${formatBytes(result.bytesBefore)} before, ${formatBytes(result.bytesAfter)} now).`,
    ],
    {},
  );
}
