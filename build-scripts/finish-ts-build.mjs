// After tsc: make the CLI entry executable so `npx lifeboat` and the bin link can run it.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../build/recovery/cli/main.js', import.meta.url), 0o755);
