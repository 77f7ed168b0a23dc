/**
 * The files a repository directory holds, found with lstat so that nothing but plain files and
 * directories is ever opened (a FIFO or device planted there would block a read or worse), and
 * everything that does not belong is named.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Findings } from './check-findings.js';

export const SNAPSHOT_NAME = /^\d{8}T\d{6}Z-[0-9a-f]{16}\.snapshot$/;
const PACK_NAME = /^([0-9a-f]{32})\.pack$/;

/** What each top-level name must be. */
const TOP_LEVEL: Record<string, 'file' | 'dir'> = { 'repository.json': 'file', lock: 'file', index: 'file', packs: 'dir', snapshots: 'dir', tmp: 'dir' };

export interface RepositoryLayout {
  /** Pack ids with their file sizes, sorted by id. */
  packs: Array<{ id: string; sizeBytes: number }>;
  snapshotFiles: string[];
}

async function kindOf(file: string): Promise<'file' | 'dir' | 'other' | null> {
  const stats = await lstat(file).catch(() => null);
  if (!stats) return null;
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : 'other';
}

async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

/** Walks the layout; strays are warnings (Lifeboat ignores them), wrong kinds of known names are errors. */
export async function scanLayout(repoDir: string, findings: Findings): Promise<RepositoryLayout> {
  const layout: RepositoryLayout = { packs: [], snapshotFiles: [] };
  const stray = (file: string, what: string) =>
    findings.add('warning', 'layout', `${file} ${what}; Lifeboat ignores it.`, 'move it out of the repository if it is yours, or delete it.');
  for (const name of await listDir(repoDir)) {
    const file = path.join(repoDir, name);
    const wanted = TOP_LEVEL[name];
    const kind = await kindOf(file);
    if (!wanted) stray(file, 'is not part of a Lifeboat repository');
    // A lock or index of the wrong kind is reported where they are read (lock state, index load).
    else if (kind !== wanted && name !== 'lock' && name !== 'index')
      findings.add(
        'error',
        'layout',
        `${file} should be a ${wanted === 'file' ? 'plain file' : 'directory'} but is not.`,
        'move it away; a capture or `lifeboat repair` writes a correct one.',
      );
  }
  const packsDir = path.join(repoDir, 'packs');
  for (const sub of await listDir(packsDir)) {
    const subDir = path.join(packsDir, sub);
    if (!/^[0-9a-f]{2}$/.test(sub) || (await kindOf(subDir)) !== 'dir') {
      stray(subDir, 'is not a pack folder (two hex digits)');
      continue;
    }
    for (const name of await listDir(subDir)) {
      const file = path.join(subDir, name);
      const id = PACK_NAME.exec(name)?.[1];
      const stats = await lstat(file).catch(() => null);
      if (!id?.startsWith(sub) || !stats?.isFile()) stray(file, 'is not a pack file');
      else layout.packs.push({ id, sizeBytes: stats.size });
    }
  }
  layout.packs.sort((a, b) => (a.id < b.id ? -1 : 1));
  const snapshotsDir = path.join(repoDir, 'snapshots');
  for (const name of await listDir(snapshotsDir)) {
    const file = path.join(snapshotsDir, name);
    if (SNAPSHOT_NAME.test(name) && (await kindOf(file)) === 'file') layout.snapshotFiles.push(file);
    else stray(file, 'is not a snapshot manifest (<time>-<id>.snapshot)');
  }
  return layout;
}
