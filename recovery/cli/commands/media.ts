/**
 * `lifeboat media write --to DISK`: the live image onto a USB stick (or an image file for a VM),
 * with a data partition behind it. Wiring only: the rules, the plan and the write live in
 * recovery/media/.
 */
import { stat } from 'node:fs/promises';
import { sectorSource } from '../../core/byte-source.js';
import { formatBytes } from '../../core/format-bytes.js';
import { openImageFile } from '../../disks/open-disk.js';
import { openTarget, type OpenedDisk } from '../../disks/open-for-pipeline.js';
import { withHelper } from '../../helper/helper-client.js';
import { checkFormatTools, formatDataPartition } from '../../media/format-data-partition.js';
import { locateImage } from '../../media/locate-image.js';
import { IMAGE_SECTOR_BYTES, planMedium, type MediumPlan } from '../../media/medium-plan.js';
import { checkMediumTarget, mediumTargetFacts } from '../../media/target-rules.js';
import { writeMedium, type WriteMediumResult } from '../../media/write-medium.js';
import { cancelOnSignal } from '../cancel-on-signal.js';
import { confirmTarget } from '../confirm.js';
import { targetLines } from '../plan-text.js';
import { formatDuration, jsonPrinter, textPrinter } from '../progress-printer.js';
import { currentTable } from './target-facts.js';

export interface MediaWriteOptions {
  to: string;
  image?: string;
  dataPartition: boolean;
  yes: boolean;
  confirmTarget?: string;
  json: boolean;
}

function layoutLines(plan: MediumPlan): string[] {
  const rows = plan.imageTable.partitions.map(
    (p) =>
      `    ${String(p.number).padStart(3)}  ${formatBytes(p.startBytes).padStart(10)}  ${formatBytes(p.sizeBytes).padStart(10)}  ${p.typeName} (from the image)`,
  );
  const data = plan.dataPartition;
  if (data)
    rows.push(
      `    ${String(data.number).padStart(3)}  ${formatBytes(data.startBytes).padStart(10)}  ${formatBytes(data.sizeBytes).padStart(10)}  ${data.filesystem} "${data.label}" (new, type 0x${data.typeByte.toString(16).padStart(2, '0')})`,
    );
  return rows;
}

function planText(plan: MediumPlan, opened: OpenedDisk, current: Awaited<ReturnType<typeof currentTable>>): string[] {
  const data = plan.dataPartition;
  return [
    `Image: ${plan.image.path}, ${formatBytes(plan.image.sizeBytes)}`,
    ...targetLines(opened, current.table, current.problem),
    'Plan:',
    '  1. clear the old partition-table and filesystem signatures (zeros over the first and last MiB)',
    ...(data
      ? [`  2. make an exFAT filesystem "${data.label}" for your files behind the image, to the end of the ${data.capped ? 'MBR limit (2 TiB)' : 'disk'}`]
      : []),
    `  ${data ? 3 : 2}. copy the image (sector 0 last), read it back and compare by SHA-256`,
    `  ${data ? 4 : 3}. write the partition table (sector 0) last:`,
    ...layoutLines(plan),
  ];
}

function planJson(plan: MediumPlan, opened: OpenedDisk): Record<string, unknown> {
  return {
    type: 'plan',
    image: plan.image.path,
    imageBytes: plan.image.sizeBytes,
    target: opened.disk.path,
    targetSizeBytes: opened.disk.sizeBytes,
    requiredBytes: plan.requiredBytes,
    partitions: plan.imageTable.partitions.map((p) => ({ number: p.number, startBytes: p.startBytes, sizeBytes: p.sizeBytes, type: p.type })),
    dataPartition: plan.dataPartition,
  };
}

function resultText(plan: MediumPlan, opened: OpenedDisk, result: WriteMediumResult): string[] {
  const data = plan.dataPartition;
  return [
    `Wrote ${plan.image.path} (${formatBytes(result.writtenBytes)}) to ${opened.disk.path} in ${formatDuration(result.durationSeconds)}; read back: identical${result.readbackDirect ? '' : ' (through the page cache)'}.`,
    `  image SHA-256:     ${result.imageSha256}`,
    `  expected SHA-256:  ${result.expectedSha256} (the first ${result.writtenBytes} bytes of the stick, new partition table included)`,
    `  read-back SHA-256: ${result.readbackSha256}`,
    data
      ? `  data partition ${data.number}: exFAT "${data.label}", ${formatBytes(data.sizeBytes)} at byte ${data.startBytes}`
      : '  no data partition (--no-data-partition)',
  ];
}

/** `lifeboat media write`: check the target, plan, print the plan, confirm, write (partition table last). */
export async function mediaWriteCommand(options: MediaWriteOptions): Promise<void> {
  const printer = options.json ? jsonPrinter() : textPrinter();
  const imagePath = locateImage(options.image);
  const imageBytes = (await stat(imagePath)).size;
  if (options.dataPartition) await checkFormatTools();
  const image = await openImageFile(imagePath, { logicalSectorSize: IMAGE_SECTOR_BYTES });
  try {
    await withHelper({}, async (helper) => {
      await checkMediumTarget(options.to, await mediumTargetFacts(options.to, helper), imagePath);
      // openTarget applies restore's rules once more and opens a block device with O_EXCL.
      const opened = await openTarget(options.to, helper, {});
      const cancel = cancelOnSignal();
      try {
        const plan = await planMedium({ path: imagePath, sizeBytes: imageBytes, source: sectorSource(image) }, opened.disk, {
          dataPartition: options.dataPartition,
        });
        for (const warning of plan.warnings) printer.warning(warning);
        printer.info(planText(plan, opened, await currentTable(opened)), planJson(plan, opened));
        await confirmTarget(
          {
            yes: options.yes,
            ...(options.confirmTarget !== undefined ? { confirmTarget: options.confirmTarget } : {}),
            name: opened.name,
            path: opened.disk.path,
          },
          `This overwrites ${opened.disk.path} with the live image.`,
        );
        const device = opened.helperDisk?.path;
        const result = await writeMedium({
          image,
          target: opened.disk,
          plan,
          signal: cancel.signal,
          onProgress: (event) => printer.progress(event),
          format: (partition) => formatDataPartition(opened.disk.path, partition),
          ...(device ? { reread: (partitions) => helper.rereadPartitions(device, partitions).then(() => undefined) } : {}),
        });
        printer.result(resultText(plan, opened, result), {
          image: plan.image.path,
          target: opened.disk.path,
          imageBytes: plan.image.sizeBytes,
          imageSha256: result.imageSha256,
          expectedSha256: result.expectedSha256,
          readbackSha256: result.readbackSha256,
          readbackDirect: result.readbackDirect,
          dataPartition: plan.dataPartition,
          durationSeconds: result.durationSeconds,
        });
      } finally {
        cancel.dispose();
        await opened.disk.close();
      }
    });
  } finally {
    await image.close();
  }
}
