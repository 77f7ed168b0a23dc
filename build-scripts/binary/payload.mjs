// Builds what the single binary carries: the app bundled into one ES module, plus the files that
// must exist on disk at run time (the zstd and CRC-32C addons with their loaders, which the
// worker threads require by path, and the native helper). The launcher unpacks them (recovery/binary/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** Packages that stay files next to the bundle, because code loads them by path at run time. */
const EXTERNAL_PACKAGES = ['zstd-napi', '@node-rs/crc32', 'crc-32'];

export async function bundleApp(root) {
  const result = await build({
    entryPoints: [path.join(root, 'build/recovery/cli/main.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    outfile: 'app.mjs',
    external: EXTERNAL_PACKAGES.flatMap((name) => [name, `${name}/*`]),
    // Bundled CommonJS packages call require(); an ES module has none until we make one.
    banner: { js: "import { createRequire as lifeboatCreateRequire } from 'node:module'; const require = lifeboatCreateRequire(import.meta.url);" },
    plugins: [withoutInkDevtools],
    logLevel: 'warning',
  });
  return Buffer.from(result.outputFiles[0].contents);
}

/**
 * Ink imports its React devtools bridge only when DEV=true, and the bridge needs a package we do
 * not ship. The stub keeps that import out of the bundle; Ink prints its own warning if asked.
 */
const withoutInkDevtools = {
  name: 'without-ink-devtools',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}ink${path.sep}`) ? { path: 'ink-devtools', namespace: 'lifeboat-stub' } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'lifeboat-stub' }, () => ({
      contents: "throw new Error('React devtools are not part of the single binary.');",
      loader: 'js',
    }));
  },
};

/** The runtime files besides the bundle, as payload paths and bytes. */
export function runtimeFiles(root, target) {
  const files = [];
  const add = (payloadPath, from, mode = 0o644) => {
    const source = path.join(root, from);
    if (!existsSync(source)) throw new Error(`${from} is missing; ${missingHint(from)}`);
    files.push({ path: payloadPath, mode, bytes: readFileSync(source) });
  };
  add('node_modules/zstd-napi/package.json', 'node_modules/zstd-napi/package.json');
  add('node_modules/zstd-napi/binding.js', 'node_modules/zstd-napi/binding.js');
  for (const name of readdirSync(path.join(root, 'node_modules/zstd-napi/dist'))
    .filter((n) => n.endsWith('.js'))
    .sort()) {
    add(`node_modules/zstd-napi/dist/${name}`, `node_modules/zstd-napi/dist/${name}`);
  }
  add('node_modules/zstd-napi/build/Release/binding.node', target.zstdBinding);
  add('node_modules/@node-rs/crc32/package.json', 'node_modules/@node-rs/crc32/package.json');
  add('node_modules/@node-rs/crc32/index.js', 'node_modules/@node-rs/crc32/index.js');
  // The loader tries the addon beside itself first, so the platform package is not needed.
  add(`node_modules/@node-rs/crc32/${target.crc32cBinding.name}`, target.crc32cBinding.from);
  // Pure JavaScript CRC-32C, loaded by path when the addon cannot load (recovery/core/crc32c-module.ts).
  add('node_modules/crc-32/package.json', 'node_modules/crc-32/package.json');
  add('node_modules/crc-32/crc32c.js', 'node_modules/crc-32/crc32c.js');
  add(target.helper.name, target.helper.from, 0o755);
  return files;
}

function missingHint(from) {
  if (from.endsWith('lifeboat-helper.exe')) return 'run `npm run build:native` first (it cross-builds the Windows helper with mingw-w64).';
  if (from.includes('windows')) return 'run `npm run build:windows` first (docs/windows.md).';
  if (from.startsWith('native/')) return 'run `npm run build:native` first.';
  return 'run `npm ci` first.';
}
