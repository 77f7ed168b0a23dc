// Builds the Windows pieces (the helper .exe, the zstd addon, the CRC-32C addon) when this machine
// has the mingw-w64 cross compiler, and otherwise says so and succeeds: `npm ci && npm start` must
// work on a fresh Linux machine, which has no mingw until build-scripts/install-test-deps.sh runs.
// Under CI=true a missing compiler is an error, because CI must build the Windows binary.
//
// `node build-scripts/windows/build-if-toolchain.mjs`
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compiler = 'x86_64-w64-mingw32-gcc';
if (spawnSync('sh', ['-c', `command -v ${compiler}`]).status !== 0) {
  const sentence = `the Windows parts were not built: ${compiler} is missing (apt-get install mingw-w64, or run build-scripts/install-test-deps.sh).`;
  if (process.env.CI === 'true') {
    console.error(`build-windows: ${sentence}`);
    process.exit(1);
  }
  console.log(`build-windows: ${sentence} The Linux build is complete.`);
  process.exit(0);
}
try {
  execFileSync('make', ['-s', '-C', 'native', 'windows'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['build-scripts/windows/build-windows-parts.mjs'], { cwd: root, stdio: 'inherit' });
} catch {
  process.exit(1);
}
