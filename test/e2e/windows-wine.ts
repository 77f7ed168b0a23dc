/**
 * Running Windows programs under Debian's Wine for the tests: a private 64-bit prefix per test
 * file, made in the test's temp dir and removed with it, and runs whose stdout and stderr go to
 * files (Node's Windows binary under Wine 8 fails with EBADF on a terminal stdout; see
 * ../shared/DESIGN.md, environment facts).
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface WinePrefix {
  dir: string;
  env: Record<string, string>;
  /** The prefix's %TEMP% as seen from Linux, where the single binary unpacks itself. */
  tempDir: string;
}

export interface WineRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** A Linux path as Windows programs under Wine see it: drive Z: is the Linux root. */
export function winePath(linuxPath: string): string {
  return `Z:${path.resolve(linuxPath).replaceAll('/', '\\')}`;
}

/**
 * Makes a fresh prefix (wineboot), reporting Windows 10 (Node refuses to start on the older
 * version a new Wine 8 prefix reports), with the test-only bcryptprimitives.dll stand-in that
 * Wine 8 lacks and the CRC-32C addon imports (windows-wine-bcryptprimitives.c says why).
 */
export async function createWinePrefix(parent: string): Promise<WinePrefix> {
  const dir = path.join(parent, 'wine-prefix');
  await mkdir(dir, { recursive: true });
  // No Mono or Gecko: nothing here needs them, and wineboot would try to install them.
  const env = { WINEPREFIX: dir, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree=;mshtml=' };
  await execa('wineboot', ['--init'], { env, stdin: 'ignore' });
  await execa('wine', ['winecfg', '-v', 'win10'], { env, stdin: 'ignore' });
  const shim = path.join(import.meta.dirname, 'windows-wine-bcryptprimitives.c');
  await execa('x86_64-w64-mingw32-gcc', [
    '-std=c11',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-O2',
    '-shared',
    '-s',
    '-o',
    path.join(dir, 'drive_c/windows/system32/bcryptprimitives.dll'),
    shim,
    '-ladvapi32',
  ]);
  const { stdout: temp } = await execa('wine', ['cmd', '/c', 'echo %TEMP%'], { env, stdin: 'ignore' });
  return { dir, env, tempDir: await linuxPathOf({ dir, env, tempDir: '' }, temp.trim()) };
}

/** Where a Windows path of the prefix lives on Linux (winepath -u). */
async function linuxPathOf(prefix: WinePrefix, windowsPath: string): Promise<string> {
  const { stdout } = await execa('winepath', ['-u', windowsPath], { env: prefix.env, stdin: 'ignore' });
  return stdout.trim();
}

/**
 * Runs a Windows program with stdout and stderr opened on files and handed down as such: a pipe
 * (what execa's `{file}` target gives the child: it copies from a pipe) fails under Wine as a
 * terminal does.
 */
export async function runUnderWine(prefix: WinePrefix, program: string, args: string[], outDir: string, name: string): Promise<WineRun> {
  const stdoutFile = path.join(outDir, `${name}.stdout`);
  const stderrFile = path.join(outDir, `${name}.stderr`);
  const out = await open(stdoutFile, 'w');
  const err = await open(stderrFile, 'w');
  const started = performance.now();
  let exitCode: number | undefined;
  try {
    exitCode = await new Promise<number | undefined>((resolve, reject) => {
      const child = spawn('wine', [program, ...args], { env: { ...process.env, ...prefix.env }, stdio: ['ignore', out.fd, err.fd] });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? undefined));
    });
  } finally {
    await out.close();
    await err.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { exitCode, stdout: await readFile(stdoutFile, 'utf8'), stderr: await readFile(stderrFile, 'utf8'), seconds };
}

/** Stops the prefix's wineserver (it lingers a few seconds after the last program) and removes the prefix. */
export async function removeWinePrefix(prefix: WinePrefix): Promise<void> {
  await execa('wineserver', ['-k'], { env: prefix.env, reject: false, stdin: 'ignore' });
  await rm(prefix.dir, { recursive: true, force: true });
}
