/**
 * Deleting packs, only ever after an index that no longer points into them is durable (prune,
 * repair). Each folder that lost a pack is fsynced so the deletions survive a power cut too; a
 * folder left empty is removed.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory } from './durable-file.js';
import { packPath } from './pack-writer.js';

/** `afterEach` runs after each pack's removal (the caller's failpoint). */
export async function removePacks(repoDir: string, ids: readonly string[], afterEach?: () => void): Promise<void> {
  const folders = new Set<string>();
  for (const id of ids) {
    const file = packPath(repoDir, id);
    await rm(file, { force: true });
    folders.add(path.dirname(file));
    afterEach?.();
  }
  for (const folder of folders) {
    // rmdir refuses a folder that still holds packs: that refusal is the emptiness test.
    const removed = await rmdir(folder).then(
      () => true,
      () => false,
    );
    await fsyncDirectory(removed ? path.dirname(folder) : folder);
  }
}
