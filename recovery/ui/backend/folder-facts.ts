/** What a folder the person typed or picked holds, and whether images can be written there. */
import { constants } from 'node:fs';
import { access, readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { FolderFacts } from './types.js';

async function nearestExisting(dir: string): Promise<string> {
  let at = path.resolve(dir);
  for (;;) {
    if (
      await stat(at).then(
        () => true,
        () => false,
      )
    )
      return at;
    const parent = path.dirname(at);
    if (parent === at) return at;
    at = parent;
  }
}

export async function folderFacts(dir: string): Promise<FolderFacts> {
  const info = await stat(dir).catch(() => null);
  let state: FolderFacts['state'];
  if (!info) state = 'missing';
  else if (!info.isDirectory()) state = 'not-a-folder';
  else state = (await readdir(dir).catch(() => ['?'])).length === 0 ? 'empty' : 'files';
  const place = state === 'missing' ? await nearestExisting(dir) : dir;
  const [fs, writable] = await Promise.all([
    statfs(place).catch(() => null),
    access(place, constants.W_OK).then(
      () => true,
      () => false,
    ),
  ]);
  return { state, freeBytes: fs ? fs.bavail * fs.bsize : null, writable };
}
