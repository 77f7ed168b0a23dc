/**
 * The unattended job format: what a technician writes in lifeboat-job.txt or on the kernel
 * command line is either run exactly as written or refused, with its line, before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { parseJobFile, parseJobSteps, splitWords } from '../../../recovery/live/job-file.js';

describe('job files', () => {
  it('reads steps in order with their lines, then the action, skipping comments and blank lines', () => {
    const job = parseJobFile(
      '# image the office PC\r\n\ncapture --source /dev/nvme0n1 --repo images/pc-114 --note "before repair"\n  verify --repo images/pc-114  # prove it\nthen poweroff\n',
    );
    expect(job.steps).toEqual([
      { args: ['capture', '--source', '/dev/nvme0n1', '--repo', 'images/pc-114', '--note', 'before repair'], where: 'line 3' },
      { args: ['verify', '--repo', 'images/pc-114'], where: 'line 4' },
    ]);
    expect(job.then).toBe('poweroff');
    expect(job.onFailure).toBe('menu');
  });

  it('accepts an optional leading "lifeboat" and an on-failure action', () => {
    const job = parseJobFile('lifeboat restore --repo r --target /dev/sdb --yes --confirm-target sdb\non-failure reboot\n');
    expect(job.steps[0]!.args[0]).toBe('restore');
    expect(job.then).toBe('menu');
    expect(job.onFailure).toBe('reboot');
  });

  it('refuses unknown commands, the TUI and jobs within jobs, naming the line', () => {
    expect(() => parseJobFile('capture --source /dev/sda --repo r\nformat /dev/sda\n')).toThrow(/line 2: `format` is not a command a job can run/);
    expect(() => parseJobFile('job run --file x\n')).toThrow(/line 1: `job`/);
    expect(() => parseJobFile('lifeboat\n')).toThrow(/line 1/);
  });

  it('refuses a job with no steps, a bad action and steps after `then`', () => {
    expect(() => parseJobFile('# nothing\n\nthen poweroff\n')).toThrow(/no steps/);
    expect(() => parseJobFile('disks\nthen explode\n')).toThrow(/line 2: `then` takes one of poweroff, reboot, menu, shell/);
    expect(() => parseJobFile('disks\nthen poweroff now\n')).toThrow(/line 2/);
    expect(() => parseJobFile('disks\nthen reboot\ndisks\n')).toThrow(/line 3: `disks` comes after `then`/);
  });

  it('refuses an unclosed quote and oversized jobs, saying nothing was run', () => {
    expect(() => parseJobFile('capture --note "half\n')).toThrow(/line 1: a " quote is not closed\. Nothing was run\./);
    expect(() => parseJobFile(`${'disks\n'.repeat(101)}`)).toThrow(/more than 100 steps/);
    expect(() => parseJobFile('#'.repeat(70_000))).toThrow(/at most 65536/);
  });

  it('gives every refusal the JOB_INVALID code', () => {
    try {
      parseJobFile('nonsense\n');
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('JOB_INVALID');
    }
  });
});

describe('jobs on the kernel command line', () => {
  it('splits steps at semicolons, with the action last', () => {
    const job = parseJobSteps('capture --source /dev/vda --repo images/a; restore --repo images/a --target /dev/vdb --yes --confirm-target vdb; then reboot');
    expect(job.steps.map((step) => [step.args[0], step.where])).toEqual([
      ['capture', 'step 1'],
      ['restore', 'step 2'],
    ]);
    expect(job.then).toBe('reboot');
  });
});

describe('word splitting', () => {
  it('groups quotes, keeps escaped characters and Windows device paths in single quotes', () => {
    expect(splitWords(`a "b c" 'd "e"' f\\ g "h\\"i"`, 'line 1')).toEqual(['a', 'b c', 'd "e"', 'f g', 'h"i']);
    expect(splitWords(`--source '\\\\.\\PhysicalDrive0'`, 'line 1')).toEqual(['--source', '\\\\.\\PhysicalDrive0']);
    expect(splitWords('x "" y', 'line 1')).toEqual(['x', '', 'y']);
    expect(splitWords('a #comment "unclosed', 'line 1')).toEqual(['a']);
    expect(splitWords('a#b', 'line 1')).toEqual(['a#b']);
  });
});
