import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../../helpers/requirements.js';

// boot/winpe/lifeboat-job.cmd, the unattended-job runner of the WinPE image, run by Wine's cmd.exe
// as it is in the repository. Lifeboat and wpeutil are played by fake-lifeboat.c, cross-compiled
// with mingw-w64, which records the arguments and the folder it was started with. Wine's cmd is
// not Windows' cmd: the script keeps to what both parse alike (see its header), and this shows
// that the job lines reach the programs as written and that the log, then and on-failure work.
// A wrapper calls the script as startnet.cmd does and prints what it hands back.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const JOB_SCRIPT = path.join(ROOT, 'boot/winpe/lifeboat-job.cmd');
const EXAMPLE_JOB = path.join(ROOT, 'boot/winpe/lifeboat-job.example.txt');

/** Wine shows the Linux root as drive Z:. */
const windowsPath = (linuxPath: string): string => `Z:${linuxPath.replace(/\//g, '\\')}`;

interface Run {
  code: number;
  /** LIFEBOAT_JOB_NEXT as startnet.cmd sees it: menu or shell (poweroff and reboot ran wpeutil). */
  next: string;
  screen: string;
  /** What the stand-ins recorded, one entry per start of Lifeboat or wpeutil. */
  calls: { program: string; cwd: string; stdin: string; args: string[] }[];
  log: string;
  logName: string;
}

let dir = '';
let prefix = '';
let stick = '';
// No Mono or Gecko: a new prefix would offer to install them, and cmd.exe needs neither.
const env = (): NodeJS.ProcessEnv => ({ ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree=;mshtml=' });

function runJob(jobText: string, wpeutil = path.join(dir, 'wpeutil.exe')): Promise<Run> {
  rmSync(stick, { recursive: true, force: true });
  mkdirSync(stick);
  const record = path.join(dir, 'calls.jsonl');
  rmSync(record, { force: true });
  writeFileSync(path.join(stick, 'lifeboat-job.txt'), jobText);
  const jobEnv = {
    ...env(),
    LIFEBOAT_EXE: windowsPath(path.join(dir, 'lifeboat-win-x64.exe')),
    LIFEBOAT_WPEUTIL: windowsPath(wpeutil),
    FAKE_RECORD: windowsPath(record),
  };
  return new Promise((resolve) => {
    execFile(
      'wine',
      ['cmd', '/c', windowsPath(path.join(dir, 'startnet-like.cmd')), windowsPath(path.join(stick, 'lifeboat-job.txt'))],
      { env: jobEnv, timeout: 60_000 },
      (error, stdout) => {
        const handedBack = /^handed back: next=\[(\w*)\] rc=\[(\d+)\]$/m.exec(stdout.replace(/\r/g, ''));
        const code = handedBack ? Number(handedBack[2]) : error ? -1 : -2;
        const calls = existsSync(record)
          ? readFileSync(record, 'utf8')
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line) as Run['calls'][number])
          : [];
        const logName = readdirSync(stick).find((name) => name.endsWith('.log')) ?? '';
        const log = logName ? readFileSync(path.join(stick, logName), 'latin1').replace(/\r\n/g, '\n') : '';
        resolve({ code, next: handedBack?.[1] ?? '', screen: stdout.replace(/\r\n/g, '\n'), calls, log, logName });
      },
    );
  });
}

describeWith(['tool:wine', 'tool:wineserver', 'tool:x86_64-w64-mingw32-gcc'], 'the WinPE job runner under Wine', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-winpe-job-'));
    prefix = path.join(dir, 'wineprefix');
    stick = path.join(dir, 'stick');
    const fake = path.join(dir, 'lifeboat-win-x64.exe');
    execFileSync('x86_64-w64-mingw32-gcc', ['-O1', '-Wall', '-Werror', '-o', fake, path.join(import.meta.dirname, 'fake-lifeboat.c')]);
    copyFileSync(fake, path.join(dir, 'wpeutil.exe'));
    // Calls the job runner the way startnet.cmd does, then shows what it handed back.
    writeFileSync(
      path.join(dir, 'startnet-like.cmd'),
      ['@echo off', `call "${windowsPath(JOB_SCRIPT)}" "%~1"`, 'echo handed back: next=[%LIFEBOAT_JOB_NEXT%] rc=[%ERRORLEVEL%]', ''].join('\r\n'),
    );
    // The first start of a new prefix sets it up (several seconds); later runs take about one.
    execFileSync('wine', ['cmd', '/c', 'exit'], { env: env(), stdio: 'ignore', timeout: 170_000 });
  }, 180_000);

  afterAll(() => {
    if (prefix) execFileSync('wineserver', ['-k'], { env: env(), stdio: 'ignore' });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes every job line to Lifeboat as written, in the job file's folder, logs both output streams, then powers off", async () => {
    const run = await runJob(
      [
        '# nightly image of the front-desk PC',
        'capture --source \\\\.\\PhysicalDrive0 --repo \\images\\pc-42 --note "a & b | c %PATH% !x! (y) ^ <z>"',
        '',
        '   lifeboat   verify --repo images\\pc-42',
        'then poweroff',
        '',
      ].join('\r\n'),
    );
    expect([run.code, run.next]).toEqual([0, 'poweroff']);
    expect(run.calls.map(({ program, cwd, args }) => ({ program, cwd, args }))).toEqual([
      {
        program: 'lifeboat-win-x64.exe',
        cwd: windowsPath(stick),
        args: ['capture', '--source', '\\\\.\\PhysicalDrive0', '--repo', '\\images\\pc-42', '--note', 'a & b | c %PATH% !x! (y) ^ <z>'],
      },
      { program: 'lifeboat-win-x64.exe', cwd: windowsPath(stick), args: ['verify', '--repo', 'images\\pc-42'] },
      { program: 'wpeutil.exe', cwd: windowsPath(stick), args: ['shutdown'] },
    ]);
    // The runner's own stdin is a pipe nobody writes to; Lifeboat gets NUL, so it never waits for an answer.
    expect(run.calls.filter((call) => call.program === 'lifeboat-win-x64.exe').map((call) => call.stdin)).toEqual(['char', 'char']);
    // The live image's name: lifeboat-job-YYYYMMDD-HHMMSS.log (recovery/live/job-log.ts).
    expect(run.logName).toMatch(/^lifeboat-job-\d{8}-\d{6}\.log$/);
    for (const text of [
      '2 command(s), then poweroff (on failure: menu)',
      'fake stdout: capture',
      'fake stderr: progress of capture',
      'fake stdout: verify',
      'Command 2 of 2 succeeded.',
      'Every command succeeded; next: poweroff.',
    ]) {
      expect(run.log).toContain(text);
    }
    expect(run.screen).toContain('    lifeboat capture --source \\\\.\\PhysicalDrive0 --repo \\images\\pc-42 --note "a & b | c %PATH% !x! (y) ^ <z>"');
  });

  it('stops at the first command that fails, shows its output, and goes to the menu instead of the then line (LF line ends)', async () => {
    const run = await runJob('capture --source x --repo \\r\nverify --repo \\r --fake-exit=3\ncheck --repo \\r\nthen reboot\n');
    expect([run.code, run.next]).toEqual([1, 'menu']);
    expect(run.calls.map((call) => call.args[0])).toEqual(['capture', 'verify']);
    expect(run.screen).toContain('    fake stdout: verify\n    fake stderr: progress of verify\n');
    expect(run.screen).toContain('Command 2 of 3 failed with exit code 3');
    expect(run.log).toContain('The job stopped at command 2 of 3: 1 command(s) after it did not run; next: menu.');
  });

  it('follows on-failure, wherever it is written', async () => {
    const failed = await runJob('on-failure poweroff\ncapture --source x --repo \\r --fake-exit=1\nthen shell\n');
    expect([failed.code, failed.next]).toEqual([1, 'poweroff']);
    expect(failed.calls.map((call) => call.args)).toEqual([['capture', '--source', 'x', '--repo', '\\r', '--fake-exit=1'], ['shutdown']]);
    const succeeded = await runJob('lifeboat capture --source x --repo \\r\nthen shell\non-failure reboot\n');
    expect([succeeded.code, succeeded.next]).toEqual([0, 'shell']);
    expect(succeeded.calls.map((call) => call.program)).toEqual(['lifeboat-win-x64.exe']);
  });

  it('goes to the menu when no then line says otherwise, and to a prompt when wpeutil fails', async () => {
    const plain = await runJob('capture --source x --repo \\r\n');
    expect([plain.code, plain.next]).toEqual([0, 'menu']);
    const noWpeutil = await runJob('capture --source x --repo \\r\nthen reboot\n', path.join(dir, 'missing-wpeutil.exe'));
    expect([noWpeutil.code, noWpeutil.next]).toEqual([1, 'shell']);
    expect(noWpeutil.screen).toContain('wpeutil reboot failed; a command prompt follows instead.');
  });

  it.each([
    ['an unknown action', 'capture --source x --repo \\r\nthen sleep\n', 'then takes one of poweroff, reboot, menu, shell'],
    ['more than one word after on-failure', 'on-failure reboot now\ncapture --source x --repo \\r\n', 'on-failure takes one of poweroff, reboot, menu, shell'],
    [
      'a command after the then line',
      'capture --source x --repo \\r\nthen reboot\nverify --repo \\r\n',
      'verify comes after the then line, which must be the last step',
    ],
    ['a command a job cannot run', 'capture --source x --repo \\r\nlifeboat format c:\n', 'format is not a command a job can run'],
    ['only comments', '# capture --source x\n# then poweroff\n', 'it holds no command, only comments'],
  ])('refuses a job file with %s before running anything, and says why', async (_what, job, reason) => {
    const run = await runJob(job);
    expect([run.code, run.next]).toEqual([1, 'menu']);
    expect(run.calls).toEqual([]);
    expect(run.screen).toContain(`was not run: ${reason}`);
    expect(run.log).toContain(reason);
  });

  it('reads the example job shipped on the media: as shipped it runs nothing; uncommented, its commands reach Lifeboat', async () => {
    const example = readFileSync(EXAMPLE_JOB, 'latin1');
    expect((await runJob(example)).calls).toEqual([]);
    const uncommented = example.replace(/^# (capture|verify|then|on-failure) /gm, '$1 ');
    const run = await runJob(uncommented);
    expect([run.code, run.next]).toEqual([0, 'poweroff']);
    expect(run.calls.map((call) => call.args)).toEqual([
      ['capture', '--source', '\\\\.\\PhysicalDrive0', '--repo', '\\images\\pc-42', '--note', 'before the repair'],
      ['verify', '--repo', '\\images\\pc-42'],
      ['shutdown'],
    ]);
  });
});
