// The Windows CRC-32C addon for the win-x64 binary. npm installs only the prebuilt addon of the
// machine it runs on, so the Windows one is fetched on its own: @node-rs/crc32-win32-x64-msvc at
// exactly the version of the installed @node-rs/crc32 (its loader and addon are released together),
// with `npm pack` (npm's registry and cache settings apply), checked against the sha512 pinned
// below, and extracted to native/build/windows/crc32.win32-x64-msvc.node. An update of
// @node-rs/crc32 stops here until the new version's integrity is pinned: copy it from
// `npm view @node-rs/crc32-win32-x64-msvc@<version> dist.integrity` after checking the release.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImports } from './mingw.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGE = '@node-rs/crc32-win32-x64-msvc';
const FILE = 'crc32.win32-x64-msvc.node';
const output = path.join(root, 'native/build/windows', FILE);

/** sha512 of the npm tarball, by version, as the registry publishes it (dist.integrity). */
const PINNED = {
  '1.10.8': 'sha512-4O6G7yme7s98LUGwiqW7q2QqYmWD2IRQvV+q7+S4vjkUWiXUMbP8QEPYP9cF2WEQSdXCkyDEqDW10zeUdniPRA==',
};

/** The Visual C++ 2015-2022 runtime DLLs the MSVC-built addon imports. */
export const VC_RUNTIME = ['VCRUNTIME140.dll', 'VCRUNTIME140_1.dll'];

export function fetchCrc32Addon() {
  const version = JSON.parse(readFileSync(path.join(root, 'node_modules/@node-rs/crc32/package.json'), 'utf8')).version;
  const integrity = PINNED[version];
  if (!integrity) {
    throw new Error(`@node-rs/crc32 is ${version}, and build-scripts/windows/fetch-crc32-addon.mjs pins no integrity for ${PACKAGE}@${version}; add it there.`);
  }
  const spec = `${PACKAGE}@${version}`;
  // The note beside the file says which package it came from, so a version change refetches.
  const source = `${output}.source`;
  if (existsSync(output) && existsSync(source) && readFileSync(source, 'utf8') === `${spec} ${integrity}\n`) return { output, fetched: false };

  const temp = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-crc32-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--pack-destination', temp], { cwd: temp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    const tarball = path.join(temp, packed[0].filename);
    const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (actual !== integrity) {
      throw new Error(`${spec} from the npm registry has integrity ${actual}, but fetch-crc32-addon.mjs pins ${integrity}. Refusing an unexpected addon.`);
    }
    execFileSync('tar', ['-xzf', tarball, '-C', temp, `package/${FILE}`]);
    const extracted = path.join(temp, 'package', FILE);
    // Built with MSVC against the dynamic Visual C++ runtime: besides system DLLs it needs
    // VCRUNTIME140.dll and VCRUNTIME140_1.dll, which a clean Windows and WinPE lack (Wine has its
    // own). Those two are accepted knowingly (docs/windows.md); anything else new stops the build.
    checkImports(extracted, { allowed: VC_RUNTIME });
    mkdirSync(path.dirname(output), { recursive: true });
    renameSync(extracted, output);
    writeFileSync(source, `${spec} ${integrity}\n`);
    return { output, fetched: true };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { fetched } = fetchCrc32Addon();
    console.log(`fetch-crc32-addon: ${path.relative(root, output)} ${fetched ? 'fetched and checked' : 'up to date'}`);
  } catch (error) {
    console.error(`fetch-crc32-addon: ${error.message}`);
    process.exit(1);
  }
}
