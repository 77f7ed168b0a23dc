import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/requirements.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'build/recovery/cli/main.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/sysroot');
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

function lifeboat(...args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, env: { NO_COLOR: '1' } });
}

describe('the lifeboat command line', () => {
  it('--version prints the package version', async () => {
    const result = await lifeboat('--version');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('--help lists the disks command', async () => {
    const result = await lifeboat('--help');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/disks \[options\]\s+list the disks/);
  });

  it('an unknown command is a usage error with exit code 2', async () => {
    const result = await lifeboat('defragment');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown command 'defragment'");
  });

  it('disks --json from a captured tree prints the documented schema', async () => {
    const result = await lifeboat('--sysroot', path.join(FIXTURES, 'laptop-sata-nvme'), 'disks', '--json');
    expect(result.exitCode).toBe(0);
    const doc = JSON.parse(result.stdout) as { schema: string; disks: Array<{ path: string; flags: string[] }> };
    expect(doc.schema).toBe('lifeboat.disks/1');
    expect(doc.disks.find((d) => d.path === '/dev/nvme0n1')?.flags).toContain('system');
  });

  it('an error under --json is a JSON object with a stable code, and exit code 1', async () => {
    const result = await lifeboat('--sysroot', path.join(FIXTURES, 'no-such-tree'), 'disks', '--json');
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'SYSTEM_DATA_UNREADABLE' } });
  });

  it('with no command and no terminal, the app shows the disk list once and ends', async () => {
    const result = await lifeboat('--sysroot', path.join(FIXTURES, 'usb-stick'));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('/dev/sdb');
    expect(result.stdout).toMatch(/sdb .*boot,mounted,removable/);
  });

  it('npx lifeboat works from the checkout', async () => {
    const result = await execa('npx', ['--no-install', 'lifeboat', '--version'], { cwd: ROOT, reject: false });
    expect(result.stdout.trim()).toBe(version);
  });
});

describeWith(['tool:lsblk'], 'lifeboat disks lists this machine as lsblk does', () => {
  it('the same disks, with the same sizes (loop devices aside: other tests attach them meanwhile)', async () => {
    const ours = JSON.parse((await lifeboat('disks', '--json')).stdout) as { disks: Array<{ name: string; sizeBytes: number }> };
    const { stdout } = await execa('lsblk', ['-b', '-d', '-J', '-o', 'NAME,SIZE,TYPE']);
    const excluded = /^(ram|zram|dm-|md|sr|loop)/;
    const theirs = (JSON.parse(stdout) as { blockdevices: Array<{ name: string; size: number; type: string }> }).blockdevices
      .filter((d) => d.type === 'disk' && !excluded.test(d.name))
      .map((d) => ({ name: d.name, sizeBytes: d.size }));
    const mine = ours.disks.filter((d) => !excluded.test(d.name)).map((d) => ({ name: d.name, sizeBytes: d.sizeBytes }));
    expect(mine).toEqual(theirs);
    expect(mine.length).toBeGreaterThan(0);
  });
});
