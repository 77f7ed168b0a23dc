// `node build-scripts/binary/build-binary.mjs [--target linux-x64|win-x64|all]` (default linux-x64;
// `npm run build:binary` builds all): one self-contained executable per target made by
// @yao-pkg/pkg in SEA mode. Steps: bundle the app and collect its runtime files (payload.mjs),
// bundle the launcher with that payload into the SEA main script, feed pkg the pinned Node binary
// (node-for-pkg.mjs), run pkg. Needs `npm run build` (TypeScript, the helpers, the Windows addons) first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { preparePkgHome } from './node-for-pkg.mjs';
import { bundleApp, runtimeFiles } from './payload.mjs';
import { TARGETS } from './targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The last --target wins, so `npm run build:binary -- --target win-x64` narrows the script's `all`.
const asked = process.argv.includes('--target') ? process.argv[process.argv.lastIndexOf('--target') + 1] : 'linux-x64';
const targetNames = asked === 'all' ? Object.keys(TARGETS) : [asked];
for (const name of targetNames) {
  if (!TARGETS[name]) {
    console.error(`build-binary: unknown target ${name}; choose one of ${Object.keys(TARGETS).join(', ')}, or all.`);
    process.exit(2);
  }
}

// The payload format lives with the launcher that reads it; the build uses the compiled copy.
const { packPayload } = await import(path.join(root, 'build/recovery/binary/runtime-payload.js'));
// The runtime files first: a missing helper or addon is quicker to report than a bundle is to make.
// With `all`, a target whose runtime files this machine cannot make (no mingw-w64 for Windows) is
// left out with a note, so `npm ci && npm test` works anywhere; CI must build every target.
const runtimes = new Map();
for (const name of [...targetNames]) {
  try {
    runtimes.set(name, runtimeFiles(root, TARGETS[name]));
  } catch (error) {
    const reason = error.message.split('\n')[0];
    if (asked === 'all' && name !== 'linux-x64' && process.env.CI !== 'true') {
      console.error(`build-binary: ${name} left out: ${reason}`);
      targetNames.splice(targetNames.indexOf(name), 1);
      continue;
    }
    console.error(`build-binary: ${name}: ${reason}`);
    process.exit(1);
  }
}
// The app is the same JavaScript for every target; only the files around it differ.
const app = await bundleApp(root);
for (const name of targetNames) await buildTarget(name, TARGETS[name], runtimes.get(name));

async function buildTarget(targetName, target, runtime) {
  const started = Date.now();
  const stage = path.join(root, 'build/binary/stage', targetName);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const files = [{ path: 'app.mjs', mode: 0o644, bytes: app }, ...runtime];
  const { manifest, blob } = packPayload('app.mjs', target.helper.name, files);
  // Kept beside the binary's inputs for debugging and for the test that damages a copy on purpose.
  writeFileSync(path.join(stage, 'payload-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(stage, 'app.mjs'), app);

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
          esbuild.onLoad({ filter: /.*/, namespace: 'lifeboat-payload' }, () => ({
            contents: JSON.stringify({ manifest, blobBase64: blob.toString('base64') }),
            loader: 'json',
          }));
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
  console.log(
    `build-binary: ${path.relative(root, output)} (${sizeMiB} MiB, payload ${(blob.length / 1048576).toFixed(1)} MiB in ${files.length} files) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
