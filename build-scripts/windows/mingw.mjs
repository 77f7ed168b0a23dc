// The mingw-w64 cross tools the Windows build uses (Debian package mingw-w64), a small parallel
// compiler driver, and the check that a built DLL needs only what every Windows has.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The "posix" threading flavour of the compilers: node-addon-api uses std::mutex, which the
// default "win32" flavour's libstdc++ (GCC 12) lacks. Its winpthread is linked statically.
export const TOOLS = {
  gcc: 'x86_64-w64-mingw32-gcc-posix',
  gxx: 'x86_64-w64-mingw32-g++-posix',
  dlltool: 'x86_64-w64-mingw32-dlltool',
  objdump: 'x86_64-w64-mingw32-objdump',
};

export function requireTool(name) {
  try {
    execFileSync(TOOLS[name], ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${TOOLS[name]} was not found; install the Debian package mingw-w64 (build-scripts/install-test-deps.sh does).`);
  }
}

/**
 * Compiles each unit ({source, flags, object}) with gcc or g++ by its extension, as many at once as
 * there are cores. Resolves to the object paths in the order given.
 */
export async function compileAll(units) {
  let next = 0;
  const worker = async () => {
    while (next < units.length) {
      const unit = units[next++];
      const compiler = /\.(cc|cpp)$/.test(unit.source) ? TOOLS.gxx : TOOLS.gcc;
      await run(compiler, ['-c', unit.source, '-o', unit.object, ...unit.flags]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, os.availableParallelism()) }, worker));
  return units.map((unit) => unit.object);
}

function run(program, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        if (stderr) process.stderr.write(stderr);
        resolve();
      } else reject(new Error(`${program} ${args.slice(0, 2).join(' ')} failed (exit ${code}):\n${stderr.trim()}`));
    });
  });
}

/**
 * DLLs present on every Windows 10/11, which a shipped binary may import: classic system DLLs, the
 * Universal C runtime (an OS component since Windows 10) and API sets (api-ms-win-*), which the
 * loader maps onto system DLLs.
 */
const SYSTEM_DLLS = new Set([
  'kernel32.dll',
  'msvcrt.dll',
  'advapi32.dll',
  'user32.dll',
  'ntdll.dll',
  'shell32.dll',
  'ole32.dll',
  'setupapi.dll',
  'bcryptprimitives.dll',
  'ucrtbase.dll',
]);
const isSystemDll = (dll) => SYSTEM_DLLS.has(dll.toLowerCase()) || /^api-ms-win-/i.test(dll);

/** The DLLs a PE file's import table names (bound when the file loads), read with objdump -p. */
export function peImports(file) {
  const text = execFileSync(TOOLS.objdump, ['-p', file], { encoding: 'utf8', maxBuffer: 64 * 1048576 });
  const imported = [];
  let inImports = false;
  for (const line of text.split('\n')) {
    if (/^The Import Tables/.test(line)) inImports = true;
    else if (/^The /.test(line) || /^PE File Base Relocations/.test(line)) inImports = false;
    const match = /^\s*DLL Name:\s*(\S+)/.exec(line);
    if (match && inImports) imported.push(match[1]);
  }
  return imported;
}

/**
 * Throws unless the file imports only DLLs every Windows has, or ones the caller names as known
 * exceptions (`allowed`, compared without case). Returns the import list.
 */
export function checkImports(file, { allowed = [] } = {}) {
  const imported = peImports(file);
  const exceptions = new Set(allowed.map((dll) => dll.toLowerCase()));
  const foreign = imported.filter((dll) => !isSystemDll(dll) && !exceptions.has(dll.toLowerCase()));
  if (foreign.length > 0) throw new Error(`${file} imports ${foreign.join(', ')}, which Windows does not ship.`);
  return imported;
}

/**
 * Checks, in the linker's map, that the delay-load machinery went in as intended: the delay-import
 * descriptor of our import library (GNU ld links it as code and data but leaves the PE header's
 * delay-import directory empty, so objdump -p cannot show it), mingw's __delayLoadHelper2, and our
 * notify hook instead of libmingwex's empty default (delay-n.o).
 */
export function checkDelayLoad(mapFile, libraryStem, hookSource) {
  const map = readFileSync(mapFile, 'utf8');
  const hookObject = path.basename(hookSource).replace(/[.]/g, '\\.');
  const problems = [];
  // dlltool's head object holds the descriptor (DLL name, handle, import tables) and the tail-merge
  // stub that calls __delayLoadHelper2.
  if (!map.includes(`${libraryStem}_h.o`)) problems.push(`the delay-import descriptor of ${libraryStem} was not linked`);
  if (!map.includes('delayimp.o')) problems.push("mingw's delay-load helper (delayimp.o) was not linked");
  if (map.includes('delay-n.o')) problems.push("libmingwex's default notify hook (delay-n.o) was linked instead of ours");
  if (!new RegExp(`${hookObject}\\.o\\n\\s+0x[0-9a-f]+\\s+__pfnDliNotifyHook2\\n`).test(map))
    problems.push(`__pfnDliNotifyHook2 does not come from ${hookSource}`);
  if (problems.length > 0) throw new Error(`${mapFile}: ${problems.join('; ')}.`);
}
