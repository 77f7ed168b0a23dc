/**
 * Forgetting a snapshot: its manifest is removed (unlink, then the directory fsynced so the removal
 * survives a power cut). Its chunks stay in the packs until `prune`, so a forget is cheap and a
 * snapshot forgotten by mistake can still be restored from a copy of its manifest until then.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { failpoint } from '../core/failpoints/failpoint.js';
import { fsyncDirectory } from './durable-file.js';
import { lockRepository } from './repository-lock.js';
import type { Repository } from './repository.js';
import type { Snapshot } from './snapshot-types.js';

export interface ForgetResult {
  file: string;
  id: string;
  /** The forgotten snapshot, or null when its manifest was damaged (it can be forgotten all the same). */
  snapshot: Snapshot | null;
  damaged: string | null;
  /** Set when a stale lock was taken over. */
  takenOver: string | null;
}

export async function forgetSnapshot(repository: Repository, idOrLatest: string): Promise<ForgetResult> {
  const lock = await lockRepository(repository.dir, `forget ${idOrLatest}`);
  try {
    const file = await repository.findSnapshotFile(idOrLatest);
    let snapshot: Snapshot | null = null;
    let damaged: string | null = null;
    try {
      snapshot = await repository.readSnapshot(file);
    } catch (error) {
      damaged = error instanceof Error ? error.message : String(error);
    }
    failpoint('forget.before-manifest-removal');
    await rm(file);
    await fsyncDirectory(path.dirname(file));
    failpoint('forget.after-manifest-removal');
    const id = /-([0-9a-f]{16})\.snapshot$/.exec(file)?.[1] ?? '';
    return { file, id, snapshot, damaged, takenOver: lock.takenOver };
  } finally {
    await lock.release();
  }
}
