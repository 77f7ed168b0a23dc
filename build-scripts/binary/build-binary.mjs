// `npm run build:binary [-- --target linux-x64|win-x64]`: one self-contained executable made by
// @yao-pkg/pkg in SEA mode. Steps: bundle the app and collect its runtime files (payload.mjs),
// bundle the launcher with that payload into the SEA main script, feed pkg the pinned Node binary
// (node-for-pkg.mjs), run pkg. Needs `npm run build` (TypeScript and the helper) first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { preparePkgHome } from './node-for-pkg.mjs';
import { bundleApp, runtimeFiles } from './payload.mjs';
import { TARGETS } from './targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targetName = process.argv.includes('--target') ? process.argv[process.argv.indexOf('--target') + 1] : 'linux-x64';
const target = TARGETS[targetName];
if (!target) {
  console.error(`build-binary: unknown target ${targetName}; choose one of ${Object.keys(TARGETS).join(', ')}.`);
  process.exit(2);
}

const started = Date.now();
const stage = path.join(root, 'build/binary/stage', targetName);
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// The payload format lives with the launcher that reads it; the build uses the compiled copy.
const { packPayload } = await import(path.join(root, 'build/recovery/binary/runtime-payload.js'));
let files;
try {
  // The runtime files first: a missing helper is quicker to report than a bundle is to make.
  const runtime = runtimeFiles(root, target);
  files = [{ path: 'app.mjs', mode: 0o644, bytes: await bundleApp(root) }, ...runtime];
} catch (error) {
  console.error(`build-binary: ${error.message.split('\n')[0]}`);
  process.exit(1);
}
const { manifest, blob } = packPayload('app.mjs', target.helper.name, files);
// Kept beside the binary's inputs for debugging and for the test that damages a copy on purpose.
writeFileSync(path.join(stage, 'payload-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(path.join(stage, 'app.mjs'), files[0].bytes);

const main = path.join(stage, 'main.cjs');
await build({
  stdin: {
    contents: "import { launch } from './build/recovery/binary/sea-launcher.js';\nimport payload from 'lifeboat:payload';\nlaunch(payload);\n",
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  outfile: main,
  plugins: [
    {
      name: 'lifeboat-payload',
      setup(esbuild) {
        esbuild.onResolve({ filter: /^lifeboat:payload$/ }, () => ({ path: 'payload', namespace: 'lifeboat-payload' }));
        esbuild.onLoad({ filter: /.*/, namespace: 'lifeboat-payload' }, () => ({ contents: JSON.stringify({ manifest, blobBase64: blob.toString('base64') }), loader: 'json' }));
      },
    },
  ],
  logLevel: 'warning',
});

const output = path.join(root, target.output);
mkdirSync(path.dirname(output), { recursive: true });
rmSync(output, { force: true });
const home = preparePkgHome(root, target);
execFileSync(path.join(root, 'node_modules/.bin/pkg'), ['--sea', '--no-signature', '--targets', target.pkgTarget, '--output', output, main], {
  cwd: stage,
  env: { ...process.env, HOME: home },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const sizeMiB = (statSync(output).size / 1048576).toFixed(1);
console.log(`build-binary: ${path.relative(root, output)} (${sizeMiB} MiB, payload ${(blob.length / 1048576).toFixed(1)} MiB in ${files.length} files) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
