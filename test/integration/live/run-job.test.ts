/**
 * Running a job: each step is this same Lifeboat started again, its output shown and logged next
 * to the image, the first failure ending the job with the failure action. Real child processes,
 * real image files, no mocks.
 */
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobFile } from '../../../recovery/live/job-file.js';
import { JobLog, logDirectory, logFileName } from '../../../recovery/live/job-log.js';
import { runJob } from '../../../recovery/live/run-job.js';

const MAIN = path.resolve(import.meta.dirname, '../../../build/recovery/cli/main.js');

describe('the job log', () => {
  it('goes beside the first repository a step names, else beside the job file', () => {
    expect(logDirectory(parseJobFile('disks\ncapture --source a --repo images/pc1\n'), '/data', '/data/job.txt')).toBe('/data/images');
    expect(logDirectory(parseJobFile('check --repo=/mnt/share/pc9\n'), '/data', undefined)).toBe('/mnt/share');
    expect(logDirectory(parseJobFile('disks\n'), '/data', '/data/jobs/lifeboat-job.txt')).toBe('/data/jobs');
  });

  it('is named by the local time it started, with -2, -3 for later jobs of the same second', () => {
    expect(logFileName(new Date(2026, 10, 22, 9, 3, 7))).toBe('lifeboat-job-20261122-090307.log');
    expect(logFileName(new Date(2026, 10, 22, 9, 3, 7), 2)).toBe('lifeboat-job-20261122-090307-2.log');
  });

  it('never overwrites a log and never collides: three jobs started in the same second get three logs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-job-'));
    try {
      const second = new Date(2026, 10, 22, 9, 3, 7);
      // A log already there (from an earlier run, or a job on another console) keeps its content.
      await writeFile(path.join(dir, logFileName(second)), 'an earlier job\n');
      const logs = [JobLog.create(dir, second), JobLog.create(dir, second), JobLog.create(dir, second)];
      expect(logs.map((log) => path.basename(log.path))).toEqual([
        'lifeboat-job-20261122-090307-2.log',
        'lifeboat-job-20261122-090307-3.log',
        'lifeboat-job-20261122-090307-4.log',
      ]);
      expect(await readFile(path.join(dir, logFileName(second)), 'utf8')).toBe('an earlier job\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which folder it cannot write to, as JOB_LOG_FAILED, not as an unexpected problem', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-job-'));
    try {
      // A file where the log's folder should be: mkdir fails even for root, whose writes no mode stops.
      await writeFile(path.join(dir, 'images'), 'not a folder');
      let thrown: unknown;
      try {
        JobLog.create(path.join(dir, 'images'), new Date());
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'JOB_LOG_FAILED', message: expect.stringMatching(/cannot create the job's log in .*images \(EEXIST\)/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('running a job', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-job-'));
    await writeFile(path.join(dir, 'source.img'), Buffer.alloc(4 << 20, 7));
    await writeFile(path.join(dir, 'target.img'), '');
    await truncate(path.join(dir, 'target.img'), 4 << 20);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(text: string, now?: () => Date) {
    const shown: string[] = [];
    // From a checkout the steps run as `node build/.../main.js`: argv[1] must be the entry script.
    const argv1 = process.argv[1];
    process.argv[1] = MAIN;
    try {
      return {
        result: await runJob({ job: parseJobFile(text), cwd: dir, source: 'test', show: (t) => shown.push(t), ...(now ? { now } : {}) }),
        shown: shown.join(''),
      };
    } finally {
      process.argv[1] = argv1!;
    }
  }

  it('gives two jobs started in the same second two logs, each with its own run', async () => {
    const sameSecond = () => new Date(2026, 10, 22, 9, 3, 7);
    const first = await run('inspect source.img\nthen reboot\n', sameSecond);
    const second = await run('inspect missing.img\nthen reboot\non-failure poweroff\n', sameSecond);
    expect([first.result.ok, second.result.ok]).toEqual([true, false]);
    expect(path.basename(first.result.logPath)).toBe('lifeboat-job-20261122-090307.log');
    expect(path.basename(second.result.logPath)).toBe('lifeboat-job-20261122-090307-2.log');
    expect(await readFile(first.result.logPath, 'utf8')).toMatch(/== step 1 succeeded/);
    expect(await readFile(second.result.logPath, 'utf8')).toMatch(/== step 1 FAILED/);
  });

  it('runs capture then restore, logs both next to the image and asks for the then-action', async () => {
    const { result, shown } = await run(
      'capture --source source.img --repo images/pc1\nrestore --repo images/pc1 --target target.img --yes --confirm-target target.img\nthen poweroff\n',
    );
    expect(result.ok).toBe(true);
    expect(result.action).toBe('poweroff');
    expect(result.steps.map((step) => step.exitCode)).toEqual([0, 0]);
    expect(path.dirname(result.logPath)).toBe(path.join(dir, 'images'));
    const log = await readFile(result.logPath, 'utf8');
    expect(log).toBe(shown);
    expect(log).toMatch(/== step 1\/2 \(line 1\): lifeboat capture --source source\.img --repo images\/pc1\n/);
    expect(log).toMatch(/Snapshot [0-9a-f]{16} of source\.img written/);
    expect(log).toMatch(/== step 2 succeeded/);
    expect(await readFile(path.join(dir, 'target.img'))).toEqual(await readFile(path.join(dir, 'source.img')));
  });

  it('stops at the first failing step, runs nothing after it and asks for the failure action', async () => {
    const { result } = await run(
      'capture --source missing.img --repo images/pc1\nrestore --repo images/pc1 --target target.img --yes --confirm-target target.img\nthen poweroff\non-failure reboot\n',
    );
    expect(result.ok).toBe(false);
    expect(result.action).toBe('reboot');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]!.exitCode).not.toBe(0);
    const log = await readFile(result.logPath, 'utf8');
    expect(log).toMatch(/missing\.img/);
    expect(log).toMatch(/== step 1 FAILED \(exit code \d+\)/);
    expect(log).toMatch(/Job stopped at a failed step .*; next: reboot\./);
    expect(await readFile(path.join(dir, 'target.img'))).toEqual(Buffer.alloc(4 << 20));
  });
});

describe('lifeboat job run', () => {
  it('tells the live system what to do next, whether the job succeeded, and where its log is', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-job-'));
    try {
      await writeFile(path.join(dir, 'disk.img'), Buffer.alloc(1 << 20));
      const ok = await execa(process.execPath, [MAIN, 'job', 'run', '--steps', 'inspect disk.img; then reboot', '--outcome-file', 'outcome'], {
        cwd: dir,
        reject: false,
      });
      expect(ok.exitCode, ok.stderr).toBe(0);
      const [action, status, log] = (await readFile(path.join(dir, 'outcome'), 'utf8')).trim().split(' ');
      expect([action, status]).toEqual(['reboot', 'ok']);
      expect(await readFile(log!, 'utf8')).toMatch(/Job from the kernel command line \(lifeboat\.job\); 1 step\(s\), then reboot/);

      const failed = await execa(
        process.execPath,
        [MAIN, 'job', 'run', '--steps', 'inspect nothing.img; then reboot; on-failure poweroff', '--outcome-file', 'outcome'],
        { cwd: dir, reject: false },
      );
      expect(failed.exitCode).toBe(1);
      expect(failed.stderr).toMatch(/The job stopped at step 1; its log is .*\[JOB_FAILED\]/);
      expect((await readFile(path.join(dir, 'outcome'), 'utf8')).split(' ').slice(0, 2)).toEqual(['poweroff', 'failed']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checks a job without running it, and refuses a bad one before any step', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-job-'));
    try {
      await writeFile(path.join(dir, 'good.txt'), 'disks\nthen poweroff\n');
      await writeFile(path.join(dir, 'bad.txt'), 'disks\nrm -rf /\n');
      const check = await execa(process.execPath, [MAIN, 'job', 'run', '--file', 'good.txt', '--check'], { cwd: dir, reject: false });
      expect(check.stdout).toMatch(/The job is valid: 1 step\(s\), then poweroff/);
      const bad = await execa(process.execPath, [MAIN, 'job', 'run', '--file', 'bad.txt'], { cwd: dir, reject: false });
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toMatch(/line 2: `rm` is not a command a job can run.*Nothing was run\..*\[JOB_INVALID\]/s);
      expect((await readdir(dir)).filter((name) => name.endsWith('.log'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
