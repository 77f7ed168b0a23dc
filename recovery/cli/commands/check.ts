import { formatBytes } from '../../core/format-bytes.js';
import { checkRepository, type CheckResult } from '../../pipeline/check-repository.js';
import { formatDuration, textPrinter } from '../progress-printer.js';
import { ReportedFailure } from '../reported-failure.js';

export const CHECK_SCHEMA = 'lifeboat.check/1';

export function checkText(result: CheckResult): string[] {
  const lines = [
    `Checked ${result.repository}: ${result.packs} pack(s) (${formatBytes(result.packBytes)}), ${result.indexedChunks} chunk(s) in the index, ${result.snapshots} snapshot(s)${result.readData ? `; ${result.blobsRead} blob(s) (${formatBytes(result.bytesRead)}) read, decompressed and re-hashed` : ''} in ${formatDuration(result.durationSeconds)}.`,
  ];
  for (const finding of result.findings) {
    lines.push(`${finding.severity}: ${finding.message}`);
    if (finding.action) lines.push(`  what to do: ${finding.action}`);
  }
  const counts = [`${result.errors} error(s)`, `${result.warnings} warning(s)`, `${result.infos} note(s)`].join(', ');
  lines.push(
    result.ok
      ? `No damage found (${counts}).${result.readData ? '' : ' Add --read-data to re-hash every chunk too.'}`
      : `The repository is damaged: ${counts}.`,
  );
  return lines;
}

/** `lifeboat check --repo DIR [--read-data] [--json]`: every problem, with what to do; exit 1 on damage. */
export async function checkCommand(options: { repo: string; readData: boolean; json: boolean }): Promise<void> {
  const printer = textPrinter();
  const result = await checkRepository({
    repoDir: options.repo,
    readData: options.readData,
    ...(options.json || !options.readData ? {} : { onProgress: (event) => printer.progress(event) }),
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ schema: CHECK_SCHEMA, ...result }, null, 2)}\n`);
  else printer.result(checkText(result), {});
  if (!result.ok)
    throw new ReportedFailure('CORRUPT_IMAGE', `The repository ${options.repo} has ${result.errors} problem(s) that need action; see the list above.`);
}
