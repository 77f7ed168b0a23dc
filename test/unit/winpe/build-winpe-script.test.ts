import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionDefinitions, matchingClose, paramBlock, tokenize, verbNounWords, type Token } from './powershell-tokens.js';

// build-scripts/build-winpe.ps1 runs only on Windows with the ADK. Here it is checked statically:
// it must parse (brackets, strings, here-strings, variable references), stay within Windows
// PowerShell 5.1, call only cmdlets that exist there or functions it defines, use every parameter,
// and hold the steps that make WinPE media in the right places.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCRIPT = path.join(ROOT, 'build-scripts/build-winpe.ps1');
const BOOT_FILES = path.join(ROOT, 'boot/winpe');

/** Cmdlets of Windows PowerShell 5.1 on Windows 10/11: its core modules, Dism and Storage. */
const KNOWN_CMDLETS = new Set(
  [
    // Microsoft.PowerShell.Core, .Management and .Utility
    'Set-StrictMode',
    'Where-Object',
    'ForEach-Object',
    'Join-Path',
    'Split-Path',
    'Test-Path',
    'Get-ChildItem',
    'Get-ItemProperty',
    'Set-Content',
    'Remove-Item',
    'Copy-Item',
    'New-Item',
    'Write-Host',
    'Write-Warning',
    'Read-Host',
    'Select-Object',
    'Out-Null',
    // Dism
    'Get-WindowsImage',
    'Mount-WindowsImage',
    'Dismount-WindowsImage',
    'Add-WindowsPackage',
    'Add-WindowsDriver',
    'Clear-WindowsCorruptMountPoint',
    // Storage
    'Get-Disk',
    'Clear-Disk',
    'Initialize-Disk',
    'Get-Partition',
    'New-Partition',
    'Get-Volume',
    'Format-Volume',
  ].map((name) => name.toLowerCase()),
);

/** Verbs of Get-Verb in PowerShell 5.1 that a script's own functions may use (the ones we need). */
const APPROVED_VERBS = new Set(['add', 'assert', 'clear', 'confirm', 'copy', 'find', 'get', 'invoke', 'new', 'stop', 'test', 'write']);

let source = '';
let lines: string[] = [];
let tokens: Token[] = [];
const words = (): Token[] => tokens.filter((token) => token.kind === 'word');
const statementAfter = (index: number): Token[] => {
  const end = tokens.findIndex((token, k) => k > index && token.kind === 'newline');
  return tokens.slice(index, end < 0 ? tokens.length : end);
};

let parseError = '';

beforeAll(() => {
  source = readFileSync(SCRIPT, 'utf8');
  lines = source.split('\n');
  try {
    tokens = tokenize(source);
  } catch (error) {
    // Reported by the first test, by name; the others then fail for want of tokens.
    parseError = (error as Error).message;
  }
});

describe('build-scripts/build-winpe.ps1', () => {
  it('parses: every bracket, string, here-string and comment is closed, and no variable reference is invalid', () => {
    expect(parseError).toBe('');
    expect(tokens.length).toBeGreaterThan(500);
  });

  it('is plain ASCII, which Windows PowerShell 5.1 reads the same whatever the code page', () => {
    const bad = lines.findIndex((line) => /[^\x00-\x7f]/.test(line));
    expect(bad, `line ${bad + 1} holds a character outside ASCII`).toBe(-1);
  });

  it('stays within Windows PowerShell 5.1: strict mode, stop on errors, no PowerShell 7 operators or variables', () => {
    for (const line of ['#Requires -Version 5.1', 'Set-StrictMode -Version Latest', "$ErrorActionPreference = 'Stop'"]) {
      expect(
        lines.map((text) => text.trimEnd()),
        line,
      ).toContain(line);
    }
    const seven = tokens.filter((token) => token.kind === 'operator' && ['&&', '||', '??', '?.', '?'].includes(token.text));
    expect(seven.map((token) => `line ${token.line}: ${token.text}`)).toEqual([]);
    const sixOnly = tokens.filter((token) => token.kind === 'variable' && /^(IsWindows|IsLinux|IsMacOS|IsCoreCLR)$/i.test(token.text));
    expect(sixOnly.map((token) => `line ${token.line}: $${token.text}`)).toEqual([]);
  });

  it('uses every parameter of its param( ) block', () => {
    const { names, from, to } = paramBlock(tokens);
    expect(names.map((name) => name.toLowerCase()).sort()).toEqual(['arch', 'drivers', 'exe', 'outdir', 'powershell', 'usbdisk']);
    const used = new Set(tokens.filter((token, index) => token.kind === 'variable' && (index < from || index > to)).map((token) => token.text.toLowerCase()));
    expect(names.filter((name) => !used.has(name.toLowerCase()))).toEqual([]);
  });

  it('calls only cmdlets of PowerShell 5.1 and functions it defines before the top-level code runs them', () => {
    const defined = functionDefinitions(tokens);
    const unknown = verbNounWords(tokens).filter((token) => !defined.has(token.text.toLowerCase()) && !KNOWN_CMDLETS.has(token.text.toLowerCase()));
    expect(unknown.map((token) => `line ${token.line}: ${token.text}`)).toEqual([]);
    // A script runs top to bottom: a call outside any function must come after the definition.
    for (const [name, index] of defined) {
      const earlyCall = tokens.findIndex((token, k) => k < index && token.depth === 0 && token.kind === 'word' && token.text.toLowerCase() === name);
      expect(earlyCall, `${name} is called before it is defined`).toBe(-1);
    }
  });

  it('defines functions with approved verbs, each of them used', () => {
    const defined = functionDefinitions(tokens);
    for (const [name, index] of defined) {
      expect(APPROVED_VERBS, `the verb of ${name}`).toContain(name.split('-')[0]);
      const calls = words().filter((token) => token.text.toLowerCase() === name && tokens.indexOf(token) !== index);
      expect(calls.length, `${name} is never called`).toBeGreaterThan(0);
    }
  });

  it('names every prerequisite it checks with a sentence: Windows, Administrator, ADK, WinPE add-on, program, drivers, DISM log', () => {
    for (const text of [
      '[System.PlatformID]::Win32NT',
      'WindowsBuiltInRole]::Administrator',
      "'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows Kits\\Installed Roots'",
      "'KitsRoot10'",
      "'Windows Preinstallation Environment'",
    ]) {
      expect(source.includes(text), text).toBe(true);
    }
    for (const sentence of [
      /Stop-Build ['"]This script runs only on Windows/,
      /Stop-Build ['"]DISM can mount and change the WinPE image only as Administrator/,
      /Stop-Build ['"]This is the 32-bit PowerShell/,
      /Stop-Build ['"]The Windows ADK is not installed/,
      /Stop-Build ['"]The WinPE add-on of the ADK is missing/,
      /Stop-Build ['"]Lifeboat's Windows program is missing/,
      /Stop-Build ['"]The drivers folder \$Drivers does not exist/,
      /Stop-Build ['"]DISM could not .*DISM's log: \$DismLog/,
    ]) {
      expect(
        lines.some((line) => sentence.test(line)),
        sentence.source,
      ).toBe(true);
    }
  });

  it('makes the media with copype, DISM and MakeWinPEMedia /ISO, and /UFD only after the typed confirmation', () => {
    const texts = words().map((token) => token.text.toLowerCase());
    for (const cmdlet of ['mount-windowsimage', 'add-windowspackage', 'add-windowsdriver', 'dismount-windowsimage']) expect(texts).toContain(cmdlet);
    for (const text of ["'copype.cmd'", "'MakeWinPEMedia.cmd'"]) expect(source.includes(text), text).toBe(true);
    expect(
      lines.some((line) => line.includes('MakeMedia)`" /ISO /F')),
      'MakeWinPEMedia /ISO',
    ).toBe(true);
    expect(
      lines.some((line) => line.includes('MakeMedia)`" /UFD /F')),
      'MakeWinPEMedia /UFD',
    ).toBe(true);
    const ufd = source.indexOf('/UFD /F');
    const confirm = source.indexOf('Read-Host', source.indexOf('function Confirm-UsbDisk'));
    expect(confirm).toBeGreaterThan(0);
    const writeUsb = source.slice(source.indexOf('function Write-UsbStick'), ufd);
    expect(writeUsb.indexOf('Confirm-UsbDisk')).toBeLessThan(writeUsb.indexOf('Clear-Disk'));
    expect(source.slice(source.indexOf('function Confirm-UsbDisk'), ufd).includes('$disk.IsSystem -or $disk.IsBoot'), 'the system disk is refused').toBe(true);
  });

  it('saves the image at the end of a try block and discards it in the finally block when anything failed', () => {
    const tryIndex = tokens.findIndex((token, k) => token.text === 'try' && tokens.slice(k, k + 40).some((t) => t.text === 'Add-OptionalComponents'));
    expect(tryIndex).toBeGreaterThan(0);
    const tryEnd = matchingClose(tokens, tryIndex + 1);
    const tryBody = tokens.slice(tryIndex, tryEnd);
    const save = tryBody.findIndex((token, k) => token.text === 'Dismount-WindowsImage' && statementAfter(tryIndex + k).some((t) => t.text === '-Save'));
    expect(save, 'Dismount-WindowsImage -Save in the try block').toBeGreaterThan(0);
    expect(tokens[tryEnd + 1]?.text).toBe('finally');
    const finallyBody = tokens.slice(tryEnd + 2, matchingClose(tokens, tryEnd + 2));
    const discard = finallyBody.findIndex((token) => token.text === 'Dismount-WindowsImage');
    expect(discard, 'Dismount-WindowsImage in the finally block').toBeGreaterThanOrEqual(0);
    expect(statementAfter(tryEnd + 2 + discard).map((t) => t.text)).toContain('-Discard');
    // The mount happens before the try: a mount that failed leaves nothing to discard.
    const mount = words().find((token) => token.text === 'Mount-WindowsImage')!;
    expect(tokens.indexOf(mount)).toBeLessThan(tryIndex);
  });

  it('adds WMI, Scripting, EnhancedStorage and FMAPI, and PowerShell with its prerequisites only when asked', () => {
    expect(lines).toContain("$BaseComponents = @('WinPE-WMI', 'WinPE-Scripting', 'WinPE-EnhancedStorage', 'WinPE-FMAPI')");
    expect(lines).toContain("$PowerShellComponents = @('WinPE-NetFX', 'WinPE-PowerShell', 'WinPE-StorageWMI', 'WinPE-DismCmdlets')");
    expect(source.includes('en-us\\$($name)_en-us.cab'), 'the en-us language packs').toBe(true);
  });

  it("puts the Visual C++ runtime DLLs that Lifeboat's CRC-32C addon imports into the image's System32", () => {
    expect(lines).toContain("$VcRuntimeDlls = @('VCRUNTIME140.dll', 'VCRUNTIME140_1.dll')");
    const copy = source.slice(source.indexOf('function Copy-LifeboatFiles'), source.indexOf('function New-WinPEImage'));
    expect(copy).toMatch(
      /foreach \(\$dll in \$VcRuntimeDlls\) \{\s+\$from = Join-Path \$env:SystemRoot "System32\\\$dll"\s+if \(Test-Path -LiteralPath \$from -PathType Leaf\) \{ Copy-Item -LiteralPath \$from -Destination \$system32 -Force \}/,
    );
    // Without the runtime Lifeboat uses its JavaScript CRC-32C: a warning, not a stop.
    expect(source).toMatch(/Write-Warning "\$dll is missing from this computer, so WinPE will use Lifeboat's slower JavaScript CRC-32C/);
  });

  it('copies every start-up file of boot/winpe into the image or onto the media, and the program beside them', () => {
    for (const name of [...readdirSync(BOOT_FILES), 'lifeboat-win-x64.exe']) expect(source.includes(`'${name}'`), name).toBe(true);
  });
});
