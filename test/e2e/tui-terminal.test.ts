import path from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requirements.js';
import { TmuxTerminal } from '../helpers/tmux-terminal.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'build/recovery/cli/main.js');
const SYSROOT = path.join(ROOT, 'test/fixtures/sysroot/usb-stick');

function expectConsoleText(text: string): void {
  expect(/^[\x20-\x7e\n]*$/.test(text), `only ASCII on the Linux console:\n${text}`).toBe(true);
  for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
}

describeWith(['tool:tmux'], 'the terminal UI on an 80x25 Linux console', () => {
  async function start(session: string): Promise<TmuxTerminal> {
    // Ink draws nothing until exit when it thinks it runs in CI, so CI's own variable is dropped.
    const term = new TmuxTerminal(session);
    await term.start(`env -u CI TERM=linux SHELL=/bin/sh ${process.execPath} ${CLI} --sysroot ${SYSROOT}`);
    return term;
  }

  it('starts with no command on the home menu, shows the disks in plain ASCII within 80 columns, and q quits', async () => {
    const term = await start(`lifeboat-e2e-${process.pid}`);
    try {
      const home = await term.waitFor('5 disk(s) found.');
      expect(home).toContain('Capture a disk');
      expect(home).toContain('q: quit');
      expectConsoleText(home);

      await term.keys('Down', 'Down', 'Down', 'Down', 'Enter');
      const disks = await term.waitFor('/run/live/medium/live');
      expect(disks).toMatch(/\/dev\/sdb .*boot medium, mounted, removable/);
      expectConsoleText(disks);
      await term.keys('Escape');
      await term.waitFor('What do you want to do?');

      await term.keys('q');
      await term.waitForEnd('the app to end after q on the home screen');
    } finally {
      await term.kill();
    }
  });

  it('"Open a shell" hands the terminal to a shell and comes back to the menu when it exits', async () => {
    const term = await start(`lifeboat-e2e-shell-${process.pid}`);
    try {
      await term.waitFor('5 disk(s) found.');
      await term.keys('Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
      await term.waitFor('Type exit to return to Lifeboat.');
      await term.type('echo SHELL-SAYS-$((6*7))');
      await term.keys('Enter');
      await term.waitFor('SHELL-SAYS-42');
      await term.type('exit');
      await term.keys('Enter');
      const back = await term.waitFor('What do you want to do?');
      expect(back).toContain('Open a shell');
      // The keyboard works again: the menu answers a key after the shell gave the terminal back.
      await term.keys('Down');
      await term.waitFor('> Restore an image');
    } finally {
      await term.kill();
    }
  });
});
