// Cross-builds zstd-napi's addon for win32-x64 with Debian's mingw-w64, from the sources npm
// installed (node_modules/zstd-napi: its C++ binding and the zstd library it bundles), without
// node-gyp: node-gyp would want Node's Windows headers and node.lib from nodejs.org, which a build
// machine here cannot reach. Headers come from the npm packages node-api-headers and node-addon-api.
//
// Node-API lives in the program that loads the addon. Ours is lifeboat-win-x64.exe, not node.exe,
// so the addon does not import napi_* from a DLL by name: the imports are delay-loaded from
// "node.exe" and node-delay-load-hook.c points the delay-load helper at the running program
// (docs/windows.md). Output: native/build/windows/zstd-napi/binding.node.
//
// `node build-scripts/windows/build-zstd-napi.mjs [--force]`; skips the work when nothing changed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDelayLoad, checkImports, compileAll, requireTool, TOOLS } from './mingw.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const zstdNapi = path.join(root, 'node_modules/zstd-napi');
const output = path.join(root, 'native/build/windows/zstd-napi/binding.node');
const work = path.join(root, 'build/windows/zstd-napi');

/** The sources binding.gyp and deps/zstd.gyp name, read from them so an update of zstd-napi is followed. */
function gypSources(file) {
  const text = readFileSync(path.join(zstdNapi, file), 'utf8');
  const list = /'sources':\s*\[([^\]]*)\]/.exec(text);
  if (!list) throw new Error(`no 'sources' list in ${file}; has zstd-napi's build changed?`);
  const dir = path.dirname(file);
  return [...list[1].matchAll(/'([^']+)'/g)].map((match) => path.join(zstdNapi, dir, match[1]));
}

const ZSTD_DEFINES = ['-DXXH_NAMESPACE=ZSTD_', '-DZSTDERRORLIB_VISIBLE=', '-DZSTDLIB_VISIBLE=', '-DZSTD_MULTITHREAD', '-DZSTD_NO_TRACE'];
// binding.gyp's defines, plus BUILDING_NODE_EXTENSION (node-gyp's), which makes node_api.h
// declare napi_* as dllimport: the calls go through the import table the delay-load library fills.
// The Node-API version is the one zstd-napi's own prebuilt addons use (package.json
// binary.napi_versions; binding.gyp's default of 3 is only a fallback it never builds with).
const napiVersion = Math.max(...JSON.parse(readFileSync(path.join(zstdNapi, 'package.json'), 'utf8')).binary.napi_versions);
const BINDING_DEFINES = [
  `-DNAPI_VERSION=${napiVersion}`,
  '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  '-DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
  '-DNODE_API_NO_EXTERNAL_BUFFERS_ALLOWED',
  '-DBUILDING_NODE_EXTENSION',
];

export async function buildZstdNapi({ force = false } = {}) {
  for (const tool of ['gcc', 'gxx', 'dlltool', 'objdump']) requireTool(tool);
  const headers = path.join(root, 'node_modules/node-api-headers');
  const addonApi = path.join(root, 'node_modules/node-addon-api');
  for (const dir of [zstdNapi, headers, addonApi]) {
    if (!existsSync(dir)) throw new Error(`${path.relative(root, dir)} is missing; run \`npm ci\` first.`);
  }
  const zstdLib = path.join(zstdNapi, 'deps/zstd/lib');
  const hook = path.join(root, 'build-scripts/windows/node-delay-load-hook.c');
  const def = path.join(headers, 'def/node_api.def');
  const units = [
    // huf_decompress_amd64.S is kept: zstd enables its assembly for GCC on _WIN32 and the file
    // handles the Windows calling convention itself (binding.gyp drops it only for MSVC).
    ...gypSources('deps/zstd.gyp').map((source) => ({ source, flags: ['-O3', `-I${zstdLib}`, ...ZSTD_DEFINES] })),
    ...gypSources('binding.gyp').map((source) => ({
      source,
      flags: ['-O3', '-std=gnu++17', '-fexceptions', `-I${path.join(headers, 'include')}`, `-I${addonApi}`, `-I${zstdLib}`, ...BINDING_DEFINES],
    })),
    // Ours, so held to our own standard.
    { source: hook, flags: ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror'] },
  ];

  const stamp = path.join(work, 'inputs.sha256');
  const inputs = inputsDigest(units, def);
  if (!force && existsSync(output) && existsSync(stamp) && readFileSync(stamp, 'utf8') === inputs) {
    return { output, built: false };
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'obj'), { recursive: true });
  const objects = await compileAll(units.map((unit, index) => ({ ...unit, object: path.join(work, 'obj', `${index}-${path.basename(unit.source)}.o`) })));

  // An import library whose stubs call mingw's __delayLoadHelper2 on first use instead of
  // binding at load time; the DLL name in it is only what node-delay-load-hook.c recognises.
  // Made in its own directory under a relative name: dlltool names its symbols after the path.
  const delayLib = path.join(work, 'libnode-delay.a');
  execFileSync(TOOLS.dlltool, ['--input-def', def, '--dllname', 'node.exe', '--output-delaylib', 'libnode-delay.a'], { cwd: work, stdio: 'inherit' });

  mkdirSync(path.dirname(output), { recursive: true });
  const partial = `${output}.partial`;
  // Static libstdc++, libgcc and winpthread: the addon must need nothing Windows does not have.
  // No link timestamp in the PE header, so the same inputs give the same bytes. The map is for
  // checkDelayLoad, which reads what the linker actually took.
  const map = path.join(work, 'binding.map');
  execFileSync(
    TOOLS.gxx,
    [
      '-shared',
      '-s',
      '-o',
      partial,
      ...objects,
      delayLib,
      '-static',
      '-static-libgcc',
      '-static-libstdc++',
      '-Wl,--no-undefined',
      '-Wl,--no-insert-timestamp',
      `-Wl,-Map=${map}`,
    ],
    { stdio: 'inherit' },
  );
  checkImports(partial);
  checkDelayLoad(map, 'libnode_delay_a', hook);
  renameSync(partial, output);
  writeFileSync(stamp, inputs);
  return { output, built: true };
}

/** What the output depends on: compiler, flags, these scripts, every source, the three packages' versions. */
function inputsDigest(units, def) {
  const hash = createHash('sha256');
  hash.update(execFileSync(TOOLS.gxx, ['--version'], { encoding: 'utf8' }));
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'mingw.mjs')));
  for (const file of [def, ...units.map((unit) => unit.source)]) hash.update(`${file}\0`).update(readFileSync(file));
  for (const pkg of ['zstd-napi', 'node-api-headers', 'node-addon-api']) {
    hash.update(readFileSync(path.join(root, 'node_modules', pkg, 'package.json')));
  }
  for (const unit of units) hash.update(unit.flags.join(' '));
  return hash.digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const { built } = await buildZstdNapi({ force: process.argv.includes('--force') });
    console.log(`build-zstd-napi: ${path.relative(root, output)} ${built ? 'built' : 'up to date'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`build-zstd-napi: ${error.message}`);
    process.exit(1);
  }
}
