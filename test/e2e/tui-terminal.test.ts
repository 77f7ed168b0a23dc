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

async function shows(session: string, text: string, timeoutMs = 15_000): Promise<string> {
  const found = await waitFor(async () => (await screen(session)).includes(text), timeoutMs);
  const now = await screen(session);
  expect(found, `waited for "${text}"; the screen was:\n${now}`).toBe(true);
  // Drawn before its keys are attached: a moment before the next key.
  await sleep(150);
  return now;
}

async function keys(session: string, ...names: string[]): Promise<void> {
  for (const name of names) {
    await execa('tmux', ['send-keys', '-t', session, name]);
    await sleep(120);
  }
}

function expectConsoleText(text: string): void {
  expect(/^[\x20-\x7e\n]*$/.test(text), `only ASCII on the Linux console:\n${text}`).toBe(true);
  for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
}

describeWith(['tool:tmux'], 'the terminal UI on an 80x25 Linux console', () => {
  async function start(session: string): Promise<void> {
    // Ink draws nothing until exit when it thinks it runs in CI, so CI's own variable is dropped.
    const command = `env -u CI TERM=linux SHELL=/bin/sh ${process.execPath} ${CLI} --sysroot ${SYSROOT}`;
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '25', command]);
  }

  it('starts with no command on the home menu, shows the disks in plain ASCII within 80 columns, and q quits', async () => {
    const session = `lifeboat-e2e-${process.pid}`;
    await start(session);
    try {
      const home = await shows(session, '5 disk(s) found.');
      expect(home).toContain('Capture a disk');
      expect(home).toContain('q: quit');
      expectConsoleText(home);

      await keys(session, 'Down', 'Down', 'Down', 'Down', 'Enter');
      const disks = await shows(session, '/run/live/medium/live');
      expect(disks).toMatch(/\/dev\/sdb .*boot medium, mounted, removable/);
      expectConsoleText(disks);
      await keys(session, 'Escape');
      await shows(session, 'What do you want to do?');

      await keys(session, 'q');
      const ended = await waitFor(async () => (await execa('tmux', ['has-session', '-t', session], { reject: false })).exitCode !== 0, 10_000);
      expect(ended, 'the app ends when q is pressed').toBe(true);
    } finally {
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
    }
  });

  it('"Open a shell" hands the terminal to a shell and comes back to the menu when it exits', async () => {
    const session = `lifeboat-e2e-shell-${process.pid}`;
    await start(session);
    try {
      await shows(session, '5 disk(s) found.');
      await keys(session, 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
      await shows(session, 'Type exit to return to Lifeboat.');
      await execa('tmux', ['send-keys', '-t', session, '-l', 'echo SHELL-SAYS-$((6*7))']);
      await keys(session, 'Enter');
      await shows(session, 'SHELL-SAYS-42');
      await execa('tmux', ['send-keys', '-t', session, '-l', 'exit']);
      await keys(session, 'Enter');
      const back = await shows(session, 'What do you want to do?');
      expect(back).toContain('Open a shell');
      // The keyboard works again: the menu answers a key after the shell gave the terminal back.
      await keys(session, 'Down');
      await shows(session, '> Restore an image');
    } finally {
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
    }
  });
});
