// After tsc: make the CLI entry executable, and link it as node_modules/.bin/lifeboat. npm links
// the bins of dependencies but never the project's own, and `npx lifeboat` looks there first.
// Idempotent: an up-to-date link is left alone, because `npx lifeboat` re-runs `prepare` and a
// link replaced under a running command would make it fail.
import { chmodSync, existsSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'build/recovery/cli/main.js');
chmodSync(entry, 0o755);

const binDir = path.join(root, 'node_modules/.bin');
if (existsSync(path.join(root, 'node_modules'))) {
  mkdirSync(binDir, { recursive: true });
  const link = path.join(binDir, 'lifeboat');
  const target = path.relative(binDir, entry);
  let current = null;
  try {
    current = readlinkSync(link);
  } catch {
    // No link yet.
  }
  if (current !== target) {
    if (current !== null) unlinkSync(link);
    symlinkSync(target, link);
  }
}
