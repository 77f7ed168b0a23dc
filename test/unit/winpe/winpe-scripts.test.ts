import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_COMMANDS } from '../../../recovery/live/job-file.js';

// The WinPE start-up files in boot/winpe are read by cmd.exe and winpeshl.exe, neither of which
// runs here. These checks catch what would break them on a real machine: line ends, labels that
// do not exist, a ) that would close a block early, files the scripts name that the build does
// not put where they look, and a winpeshl.ini that would let WinPE reboot under the technician.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BOOT = path.join(ROOT, 'boot/winpe');
const files = readdirSync(BOOT);
const batchFiles = files.filter((name) => name.endsWith('.cmd'));
const read = (name: string): string => readFileSync(path.join(BOOT, name), 'latin1');
/** The lines cmd.exe runs: no rem comments, no :: comments, no blank lines. */
const codeLines = (name: string): { text: string; line: number }[] =>
  read(name)
    .split('\r\n')
    .map((text, index) => ({ text: text.trim(), line: index + 1 }))
    .filter(({ text }) => text !== '' && !/^(@?rem(\s|$)|::)/i.test(text));
/** Text outside double quotes, with ^-escaped characters removed. */
const unquoted = (text: string): string => text.replace(/"[^"]*("|$)/g, '""').replace(/\^./g, '');

/** Where build-winpe.ps1 installs each file: X:\lifeboat\ or X:\Windows\System32\. */
function installedPaths(): Map<string, string> {
  const script = readFileSync(path.join(ROOT, 'build-scripts/build-winpe.ps1'), 'utf8');
  const folders = new Map<string, string>();
  for (const match of script.matchAll(/\$(\w+) = Join-Path \$MountDir '([^']+)'/g)) folders.set(match[1]!, `X:\\${match[2]}`);
  const installed = new Map<string, string>();
  for (const match of script.matchAll(/Copy-TextWithCrlf '([^']+)' \$(\w+)/g)) installed.set(match[1]!, `${folders.get(match[2]!)}\\${match[1]}`);
  const exe = /-Destination \(Join-Path \$(\w+) '(lifeboat-win-x64\.exe)'\)/.exec(script);
  if (exe) installed.set(exe[2]!, `${folders.get(exe[1]!)}\\${exe[2]}`);
  return installed;
}

describe('the WinPE start-up files (boot/winpe)', () => {
  it('are all here: the start-up script, the shell definition, the job runner, the prompt command and the example job', () => {
    expect(files.sort()).toEqual(['lifeboat-job.cmd', 'lifeboat-job.example.txt', 'lifeboat.cmd', 'startnet.cmd', 'winpeshl.ini']);
  });

  it.each(files)('%s has CRLF line ends only and plain ASCII, as cmd.exe and Notepad expect', (name) => {
    const text = read(name);
    expect(text.endsWith('\r\n'), 'ends with CRLF').toBe(true);
    const bareLf = text.split('\n').findIndex((line, index, all) => index < all.length - 1 && !line.endsWith('\r'));
    expect(bareLf, `line ${bareLf + 1} ends with a bare LF`).toBe(-1);
    const nonAscii = text.split('\r\n').findIndex((line) => /[^\x00-\x7f]/.test(line));
    expect(nonAscii, `line ${nonAscii + 1} holds a character outside ASCII`).toBe(-1);
  });

  it('keep their CRLF line ends through git on every system (.gitattributes)', () => {
    const rules = readFileSync(path.join(ROOT, '.gitattributes'), 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/).join(' '));
    for (const rule of ['boot/winpe/*.cmd text eol=crlf', 'boot/winpe/*.ini text eol=crlf', 'boot/winpe/*.txt text eol=crlf']) expect(rules).toContain(rule);
  });

  it.each(batchFiles)('%s jumps only to labels it defines, and every label is used', (name) => {
    const lines = codeLines(name);
    const defined = lines.filter(({ text }) => /^:\w/.test(text)).map(({ text }) => text.slice(1).toLowerCase());
    expect(new Set(defined).size, 'no label is defined twice').toBe(defined.length);
    const used = new Set<string>();
    for (const { text, line } of lines) {
      for (const match of unquoted(text).matchAll(/\b(?:goto\s+:?|call\s+:)(\w+)/gi)) {
        const label = match[1]!.toLowerCase();
        used.add(label);
        if (label !== 'eof') expect(defined, `line ${line}: ${match[0]}`).toContain(label);
      }
    }
    expect(
      defined.filter((label) => !used.has(label)),
      'labels nothing jumps to',
    ).toEqual([]);
  });

  it.each(batchFiles)('%s opens and closes its ( ) blocks in pairs, and no echo inside a block holds a bare )', (name) => {
    let depth = 0;
    for (const { text, line } of codeLines(name)) {
      const plain = unquoted(text);
      // A ) in echo text inside a block ends the block there, cutting the rest of it off.
      if (depth > 0 && /^echo\b/i.test(plain)) expect(plain, `line ${line}`).not.toMatch(/\)/);
      const opened = (plain.match(/\(/g) ?? []).length;
      const closed = (plain.match(/\)/g) ?? []).length;
      if (!/^echo\b/i.test(plain)) depth += opened - closed;
      expect(depth, `line ${line} closes a block that is not open`).toBeGreaterThanOrEqual(0);
    }
    expect(depth, 'a block is never closed').toBe(0);
  });

  it('name only files that exist: their own, the program the build copies beside them, the job file on the stick', () => {
    const allowed = new Set([...files, 'lifeboat-win-x64.exe', 'cmd.exe', 'lifeboat-job.txt']);
    for (const name of batchFiles) {
      for (const { text, line } of codeLines(name)) {
        // %~dp0 is the script's own folder, not part of the name.
        for (const match of text.replace(/%~[a-z]*\d/gi, '\\').matchAll(/[\w.-]+\.(?:cmd|exe|ini|txt)\b/gi))
          expect(allowed, `${name} line ${line}`).toContain(match[0].toLowerCase());
      }
    }
  });

  it('look for one another where build-winpe.ps1 puts them in the image', () => {
    const installed = installedPaths();
    expect(installed.get('startnet.cmd')).toBe('X:\\Windows\\System32\\startnet.cmd');
    expect(installed.get('winpeshl.ini')).toBe('X:\\Windows\\System32\\winpeshl.ini');
    const resolve = (text: string): string => text.replace(/%SystemDrive%/gi, 'X:').replace(/%SYSTEMROOT%/gi, 'X:\\Windows');
    const startnet = resolve(read('startnet.cmd'));
    for (const name of ['lifeboat-job.cmd', 'lifeboat-win-x64.exe']) expect(startnet).toContain(installed.get(name)!);
    // PATH gets the folder of lifeboat.cmd, so "lifeboat" works at the prompt.
    expect(startnet).toContain(`set "PATH=${path.win32.dirname(installed.get('lifeboat.cmd')!)};%PATH%"`);
    expect(resolve(read('lifeboat-job.cmd'))).toContain(`set "LIFEBOAT_EXE=${installed.get('lifeboat-win-x64.exe')}"`);
    expect(path.win32.dirname(installed.get('lifeboat.cmd')!)).toBe(path.win32.dirname(installed.get('lifeboat-win-x64.exe')!));
  });

  it('winpeshl.ini is a valid INI file whose [LaunchApps] runs startnet.cmd with cmd.exe /k, so WinPE never reboots by itself', () => {
    const lines = read('winpeshl.ini').split('\r\n');
    const sections = new Map<string, string[]>();
    let current: string[] | null = null;
    for (const [index, line] of lines.entries()) {
      const text = line.trim();
      const header = /^\[([^\]]+)\]$/.exec(text);
      if (header) {
        expect(sections.has(header[1]!), `section ${header[1]} is defined twice`).toBe(false);
        current = [];
        sections.set(header[1]!, current);
      } else if (text.startsWith(';')) {
        // winpeshl would try to run a comment inside [LaunchApps]: comments only above it.
        expect(current, `line ${index + 1}: a comment inside a section`).toBeNull();
      } else if (text !== '') {
        expect(current, `line ${index + 1} is outside any section`).not.toBeNull();
        current!.push(text);
      }
    }
    expect([...sections.keys()]).toEqual(['LaunchApps']);
    const apps = sections.get('LaunchApps')!;
    expect(apps).toHaveLength(1);
    expect(apps[0]!.length, 'winpeshl takes 250 characters at most').toBeLessThanOrEqual(250);
    const [program, args] = apps[0]!.split(/,\s*/, 2);
    expect(program).toBe('%SYSTEMROOT%\\System32\\cmd.exe');
    const [, switchK, script] = /^(\/k)\s+(\S+)$/i.exec(args ?? '') ?? [];
    expect(switchK, 'cmd.exe /k keeps a prompt if the script ever ends').toBe('/k');
    expect(files).toContain(path.win32.basename(script!));
    expect(script!.replace(/%SYSTEMROOT%/i, 'X:\\Windows')).toBe(installedPaths().get('startnet.cmd'));
  });

  it('lifeboat-job.cmd lets a job run the same commands as the live image does', () => {
    const line = codeLines('lifeboat-job.cmd').find(({ text }) => text.startsWith('set "JOB_COMMANDS='));
    const commands = /^set "JOB_COMMANDS=([^"]*)"$/.exec(line?.text ?? '')?.[1]?.split(' ') ?? [];
    expect(commands.sort()).toEqual([...JOB_COMMANDS].sort());
  });

  it('startnet.cmd does what the job hands back: a prompt for shell, nothing more for poweroff and reboot, else the screens', () => {
    const lines = codeLines('startnet.cmd').map(({ text }) => text);
    const call = lines.findIndex((text) => /^call ".*\\lifeboat-job\.cmd" "%JOBFILE%"$/.test(text));
    expect(call).toBeGreaterThan(0);
    expect(lines.slice(call + 1, call + 7)).toEqual([
      'if errorlevel 1 set "JOB_FAILED=1"',
      'if /i "%LIFEBOAT_JOB_NEXT%"=="shell" goto prompt',
      'if /i "%LIFEBOAT_JOB_NEXT%"=="poweroff" goto going_down',
      'if /i "%LIFEBOAT_JOB_NEXT%"=="reboot" goto going_down',
      'if defined JOB_FAILED pause',
      'goto screens',
    ]);
    expect(read('lifeboat-job.cmd')).toContain('endlocal & set "LIFEBOAT_JOB_NEXT=%NEXT%" & exit /b %JOB_RC%');
  });

  it('startnet.cmd starts the network, sets what Lifeboat reads, finds a job or starts the screens, and ends in a prompt loop', () => {
    const lines = codeLines('startnet.cmd').map(({ text }) => text);
    const at = (pattern: RegExp): number => lines.findIndex((text) => pattern.test(text));
    expect(at(/^wpeinit$/i)).toBeGreaterThanOrEqual(0);
    expect(at(/^mode con cols=\d+ lines=\d+/i)).toBeGreaterThan(at(/^wpeinit$/i));
    for (const variable of ['set "LIFEBOAT_LIVE=1"', 'set "LIFEBOAT_ASCII=1"']) expect(lines).toContain(variable);
    expect(at(/lifeboat-job\.txt/)).toBeGreaterThan(at(/^wpeinit$/i));
    // After the screens or the job: a prompt, then back to the screens, never an exit.
    const prompt = at(/^:prompt$/i);
    expect(lines.slice(prompt)).toContain('cmd.exe /k');
    expect(lines[lines.indexOf('cmd.exe /k', prompt) + 1]).toBe('goto screens');
    expect(lines.some((text) => /^exit\b/i.test(text))).toBe(false);
  });
});
