// The Windows pieces the win-x64 binary carries besides the helper (which `make -C native windows`
// builds): zstd-napi's addon cross-built with mingw-w64, and the CRC-32C addon from the npm registry.
// Both skip their work when their inputs have not changed, so `npm test` pays for them once.
//
// `node build-scripts/windows/build-windows-parts.mjs [--force]`
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildZstdNapi } from './build-zstd-napi.mjs';
import { fetchCrc32Addon } from './fetch-crc32-addon.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const started = Date.now();
try {
  const zstd = await buildZstdNapi({ force: process.argv.includes('--force') });
  const crc = fetchCrc32Addon();
  const say = (file, done, how) => `${path.relative(root, file)} ${done ? how : 'up to date'}`;
  console.log(
    `build-windows-parts: ${say(zstd.output, zstd.built, 'built')}, ${say(crc.output, crc.fetched, 'fetched')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(`build-windows-parts: ${error.message}`);
  process.exit(1);
}
