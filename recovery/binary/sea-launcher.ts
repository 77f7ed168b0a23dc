/**
 * The main script of the single binary (Node's SEA main, which must be CommonJS and can require only
 * built-in modules). It unpacks the embedded files into a private temp directory, checks each by
 * SHA-256, points the app at the helper it unpacked, then imports the app from there. The build
 * bundles this file with the payload (build-scripts/binary/); it never runs from build/.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { LifeboatError } from '../core/errors.js';
import { reportError } from '../cli/report-error.js';
import { createRunDirectory, removeRunDirectory, writeRunFile } from './run-directory.js';
import { payloadFiles, type PayloadManifest } from './runtime-payload.js';

export interface EmbeddedPayload {
  manifest: PayloadManifest;
  blobBase64: string;
}

export function launch(payload: EmbeddedPayload): void {
  const report = { json: process.argv.includes('--json'), debug: process.argv.includes('--debug') };
  let runDir: string | null = null;
  try {
    runDir = createRunDirectory();
    const dir = runDir;
    process.on('exit', () => removeRunDirectory(dir));
    removeOnFatalSignals(dir);
    for (const file of payloadFiles(payload.manifest, Buffer.from(payload.blobBase64, 'base64'))) writeRunFile(dir, file);
  } catch (error) {
    if (runDir !== null) removeRunDirectory(runDir);
    const reason = error instanceof Error ? error.message : String(error);
    reportError(
      new LifeboatError(
        'BINARY_DAMAGED',
        `This Lifeboat binary cannot start: ${reason}. Copy the binary again, or make room in the temp directory (${os.tmpdir()}).`,
        { cause: error },
      ),
      report,
    );
    process.exitCode = 1;
    return;
  }
  process.env['LIFEBOAT_HELPER'] = path.join(runDir, ...payload.manifest.helper.split('/'));
  importModule(pathToFileURL(path.join(runDir, ...payload.manifest.entry.split('/'))).href).catch((error: unknown) => {
    reportError(error, report);
    process.exitCode = 1;
  });
}

/**
 * The SEA main is compiled without a dynamic-import hook, so a plain `import()` here fails. A script
 * compiled with the main context's default loader can import an ES module from a file.
 */
function importModule(url: string): Promise<unknown> {
  // Node 22 calls this loader experimental and says so on stderr, where a user would take it for a
  // problem of Lifeboat's; only that one warning is held back, only while the import starts.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(typeof warning === 'string' ? warning : warning.message).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const script = new vm.Script(`import(${JSON.stringify(url)})`, { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    return script.runInThisContext() as Promise<unknown>;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * A signal nobody handles kills the process without running exit handlers. When the app has not
 * taken the signal over itself (the CLI does for SIGINT and SIGTERM during long work), remove the
 * directory and let the signal do what it would have done.
 */
function removeOnFatalSignals(runDir: string): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      removeRunDirectory(runDir);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
