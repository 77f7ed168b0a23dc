/**
 * The disk of the incremental captures: a sparse copy of the bench disk on which a seeded choice
 * of `percent` of the files (by count, over both filesystems) is rewritten in place with new
 * content of its kind (text stays text, media stay compressed streams; binaries and zero files get
 * random bytes), through the real drivers, as a week of use would change a disk. In place, so
 * the changed bytes are the files' own; the filesystems add their metadata and journal writes.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { Attachments } from './attachments.js';
import { contentSource, kindOfFile, writeContent, type TextCorpus } from './fill-files.js';
import type { PartitionFacts } from './test-disk.js';

export interface ChangeSummary {
  percent: number;
  totalFiles: number;
  changedFiles: number;
  changedBytes: number;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Copies `source` to `target` (sparse) and changes `percent` of the files on the copy. */
export async function changedCopy(
  source: string,
  target: string,
  partitions: PartitionFacts[],
  percent: number,
  seed: number,
  corpus: TextCorpus,
  dir: string,
): Promise<ChangeSummary> {
  await execa('cp', ['--sparse=always', source, target]);
  const attachments = new Attachments();
  try {
    const files: string[] = [];
    for (const part of partitions) {
      const device = await attachments.attach(target, { offsetBytes: part.startBytes, sizeBytes: part.sizeBytes });
      const root = await attachments.mount(device, path.join(dir, `mnt-change-${part.filesystem}`), part.filesystem);
      files.push(...(await filesUnder(root)));
    }
    const random = seededRandom(seed * 16 + 9);
    const count = Math.max(1, Math.round((files.length * percent) / 100));
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(files[Math.floor(random() * files.length)] as string);
    const source = contentSource(corpus, seed * 16 + 9, 'changes');
    let changedBytes = 0;
    for (const file of [...chosen].sort()) {
      const sizeBytes = (await stat(file)).size;
      const kind = kindOfFile(file);
      await writeContent(file, kind === 'binary' || kind === 'zeros' ? 'random' : kind, sizeBytes, source);
      changedBytes += sizeBytes;
    }
    await attachments.unmountAll();
    return { percent, totalFiles: files.length, changedFiles: chosen.size, changedBytes };
  } finally {
    await attachments.cleanup();
  }
}
