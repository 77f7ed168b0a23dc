/**
 * Deciding whether a folder can be used: for a capture, an existing repository (a new snapshot
 * is added) or an empty or new folder on another disk; for a restore or a check, a repository
 * with snapshots (or folders below it that hold repositories).
 */
import path from 'node:path';
import { isLifeboatError } from '../core/errors.js';
import type { ListedDisk } from '../disks/disk-table.js';
import type { FoundRepository, MountedFilesystem, RepositoryView, TuiBackend } from './backend/types.js';
import { diskHoldingPath } from './safety.js';

export interface RepositoryChoice {
  repoDir: string;
  /** The repository already there (a capture adds a snapshot to it); null: a new one is created. */
  existing: RepositoryView | null;
  /** The partition Lifeboat mounted to reach it; the wizard unmounts it when done. */
  mounted: MountedFilesystem | null;
  freeBytes: number | null;
}

export type FolderVerdict = { choice: RepositoryChoice } | { problem: string } | { found: FoundRepository[] };

export interface FolderCheck {
  purpose: 'capture' | 'read';
  backend: TuiBackend;
  disks: readonly ListedDisk[];
  /** Capture: the disk being read; the image may not be stored on it. */
  sourceDiskPath?: string;
  mounted: MountedFilesystem | null;
}

function isAbsolute(dir: string): boolean {
  return path.isAbsolute(dir) || /^[A-Za-z]:[\\/]/.test(dir);
}

export async function checkFolder(typed: string, check: FolderCheck): Promise<FolderVerdict> {
  const dir = typed.trim();
  if (!isAbsolute(dir)) return { problem: 'Type the full path of a folder, starting with /.' };
  const repoDir = path.resolve(dir);
  if (check.purpose === 'capture' && check.sourceDiskPath !== undefined && diskHoldingPath(check.disks, repoDir)?.disk.path === check.sourceDiskPath) {
    return { problem: `${repoDir} is on ${check.sourceDiskPath}, the disk being captured; the image must go to another disk.` };
  }
  let existing: RepositoryView | null;
  try {
    existing = await check.backend.openRepository(repoDir);
  } catch (error) {
    return { problem: isLifeboatError(error) ? `${error.message} [${error.code}]` : String(error) };
  }
  const facts = await check.backend.folder(repoDir);
  if (check.purpose === 'read') {
    if (existing && existing.snapshots.length > 0) return { choice: { repoDir, existing, mounted: check.mounted, freeBytes: facts.freeBytes } };
    if (existing)
      return {
        problem: `The repository ${repoDir} holds no snapshot yet${existing.damaged.length > 0 ? ` (${existing.damaged.length} damaged manifest(s))` : ''}.`,
      };
    const found = facts.state === 'files' ? await check.backend.findRepositories([repoDir]) : [];
    if (found.length > 0) return { found };
    return { problem: `No Lifeboat repository in ${repoDir}: a repository folder holds repository.json and a snapshots folder.` };
  }
  if (existing) return { choice: { repoDir, existing, mounted: check.mounted, freeBytes: facts.freeBytes } };
  if (facts.state === 'not-a-folder') return { problem: `${repoDir} is a file, not a folder.` };
  if (facts.state === 'files')
    return { problem: `${repoDir} already holds other files. Choose an empty or new folder, for example ${path.join(repoDir, 'lifeboat')}.` };
  if (!facts.writable) return { problem: `${repoDir} cannot be written here (a read-only filesystem, or no permission).` };
  return { choice: { repoDir, existing: null, mounted: check.mounted, freeBytes: facts.freeBytes } };
}
