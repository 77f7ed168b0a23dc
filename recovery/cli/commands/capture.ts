import { formatBytes } from '../../core/format-bytes.js';
import { openSource } from '../../disks/open-for-pipeline.js';
import { withHelper } from '../../helper/helper-client.js';
import { capture } from '../../pipeline/capture.js';
import { extentLabel } from '../../pipeline/extents.js';
import { cancelOnSignal } from '../cancel-on-signal.js';
import { rangesJson, rescueLines } from '../rescue-text.js';
import { formatDuration, jsonPrinter, textPrinter } from '../progress-printer.js';

export interface CaptureCommandOptions {
  source: string;
  repo: string;
  partition?: number;
  level: number;
  note?: string;
  json: boolean;
  sectorSize?: number;
  chunkSize?: number;
  packSize?: number;
  rescue?: boolean;
}

/** `lifeboat capture --source DISK [--partition N] --repo DIR`: used blocks into a new snapshot. */
export async function captureCommand(options: CaptureCommandOptions): Promise<void> {
  const printer = options.json ? jsonPrinter() : textPrinter();
  await withHelper({}, async (helper) => {
    const source = await openSource(options.source, helper, options.sectorSize ? { sectorSize: options.sectorSize } : {});
    const cancel = cancelOnSignal();
    try {
      for (const warning of source.warnings) printer.warning(warning);
      const result = await capture({
        repoDir: options.repo,
        source: source.disk,
        identity: source.identity,
        ...(options.partition !== undefined ? { partitionNumber: options.partition } : {}),
        level: options.level,
        note: options.note ?? null,
        ...(options.chunkSize ? { chunkSizeBytes: options.chunkSize } : {}),
        ...(options.packSize ? { packSizeBytes: options.packSize } : {}),
        rescue: Boolean(options.rescue),
        signal: cancel.signal,
        onProgress: (event) => printer.progress(event),
        onWarning: (sentence) => printer.warning(sentence),
      });
      const { snapshot } = result;
      const ratio = result.usedBytes > 0 ? result.storedBytes / result.usedBytes : 0;
      const rate = result.durationSeconds > 0 ? result.usedBytes / result.durationSeconds : 0;
      printer.result(
        [
          `Snapshot ${snapshot.id} of ${options.source} written to ${options.repo}${result.repositoryCreated ? ' (new repository)' : ''}.`,
          ...snapshot.description.extents.map(
            (e) =>
              `  ${extentLabel(e).padEnd(40)} ${formatBytes(e.usedBytes).padStart(10)} used, ${e.coverage === 'filesystem' ? 'used blocks' : e.coverage === 'header' ? 'header only' : 'copied whole'}`,
          ),
          ...(result.rescue ? rescueLines(result.rescue, snapshot.description.extents, snapshot.description.source.logicalSectorSize) : []),
          `Read ${formatBytes(result.usedBytes)} in ${formatDuration(result.durationSeconds)} (${formatBytes(rate)}/s); added ${formatBytes(result.storedBytes)} to the repository (${(ratio * 100).toFixed(1)}% of the used bytes): ${result.newChunks} new chunks, ${result.reusedChunks} already stored.`,
        ],
        {
          snapshot: snapshot.id,
          file: snapshot.file,
          repository: options.repo,
          repositoryCreated: result.repositoryCreated,
          usedBytes: result.usedBytes,
          storedBytes: result.storedBytes,
          newChunks: result.newChunks,
          reusedChunks: result.reusedChunks,
          durationSeconds: result.durationSeconds,
          ...(result.rescue ? { rescue: { ...result.rescue, badRanges: rangesJson(snapshot.badRanges) } } : {}),
        },
      );
    } finally {
      cancel.dispose();
      await source.disk.close();
    }
  });
}
