/**
 * Looks for Lifeboat repositories near the top of mounted filesystems (the root and two levels
 * down), so a person can pick "D:\images\pc-42" from a list instead of typing it. The walk is
 * bounded (directories per level, total directories) because a big data disk must not stall
 * the screen, and unreadable directories are skipped silently.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FoundRepository } from './types.js';

const MAX_DEPTH = 2;
const MAX_ENTRIES_PER_DIR = 500;
const MAX_DIRS = 2000;
/** Directories no one keeps images in, and that are large or endless (a live system's /proc). */
const SKIPPED = new Set(['proc', 'sys', 'dev', 'run', 'lost+found', 'System Volume Information', '$RECYCLE.BIN', 'node_modules', '.git']);

async function snapshotCount(dir: string): Promise<number> {
  const names = await readdir(path.join(dir, 'snapshots')).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.snapshot')).length;
}

export async function findRepositories(roots: readonly string[]): Promise<FoundRepository[]> {
  const found = new Map<string, FoundRepository>();
  let visited = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (visited++ >= MAX_DIRS) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((entry) => entry.name === 'repository.json' && entry.isFile())) {
      found.set(dir, { dir, snapshotCount: await snapshotCount(dir) });
      return;
    }
    if (depth >= MAX_DEPTH) return;
    const subdirs = entries.filter((entry) => entry.isDirectory() && !SKIPPED.has(entry.name)).slice(0, MAX_ENTRIES_PER_DIR);
    for (const sub of subdirs) await visit(path.join(dir, sub.name), depth + 1);
  };
  for (const root of roots) await visit(root, 0);
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}
