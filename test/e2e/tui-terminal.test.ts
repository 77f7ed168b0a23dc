import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requirements.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'build/recovery/cli/main.js');
const SYSROOT = path.join(ROOT, 'test/fixtures/sysroot/usb-stick');

async function screen(session: string): Promise<string> {
  return (await execa('tmux', ['capture-pane', '-p', '-t', session])).stdout;
}

async function waitFor(what: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await what()) return true;
    await sleep(100);
  }
  return false;
}

describeWith(['tool:tmux'], 'the terminal UI on an 80x25 Linux console', () => {
  it('starts with no command, shows the disks in plain ASCII within 80 columns, and q quits', async () => {
    const session = `lifeboat-e2e-${process.pid}`;
    // Ink draws nothing until exit when it thinks it runs in CI, so CI's own variable is dropped.
    const command = `env -u CI TERM=linux ${process.execPath} ${CLI} --sysroot ${SYSROOT}`;
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '25', command]);
    try {
      const shown = await waitFor(async () => (await screen(session)).includes('/run/live/medium'), 15_000);
      const text = await screen(session);
      expect(shown, `the screen was:\n${text}`).toBe(true);
      expect(text).toContain('Lifeboat');
      expect(text).toMatch(/\/dev\/sdb .*boot,mounted,removable/);
      expect(text).toContain('q: quit');
      expect(/^[\x20-\x7e\n]*$/.test(text), 'only ASCII on the Linux console').toBe(true);
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

      await execa('tmux', ['send-keys', '-t', session, 'q']);
      const ended = await waitFor(async () => (await execa('tmux', ['has-session', '-t', session], { reject: false })).exitCode !== 0, 10_000);
      expect(ended, 'the app ends when q is pressed').toBe(true);
    } finally {
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
    }
  });
});
