import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../recovery/core/errors.js';
import { drive, expectFitsConsole, fixtureDisks, KEY, testBackend } from './harness.js';

const laptop = () => fixtureDisks('laptop-sata-nvme');

describe('the home screen', () => {
  it('offers the tasks in Clonezilla words, fits an 80x25 Linux console, and counts the disks', async () => {
    const app = drive({ backend: testBackend(laptop) });
    const frame = await app.waitFor('3 disk(s) found.');
    for (const item of ['Capture a disk', 'Restore an image', 'Clone a disk', 'Verify an image', 'Disks', 'Open a shell', 'Quit'])
      expect(frame).toContain(item);
    expect(frame).not.toContain('Reboot');
    expectFitsConsole(frame);
    app.unmount();
  });

  it('offers Reboot / Power off only in the live system, and choosing one ends the app with that request', async () => {
    const app = drive({ backend: testBackend(laptop), live: true });
    await app.waitFor('Reboot / Power off');
    await app.press(KEY.end, KEY.up, KEY.enter);
    await app.waitFor('Power off');
    expectFitsConsole(app.frame());
    await app.press(KEY.down, KEY.enter);
    expect(app.exited()).toEqual({ next: 'poweroff' });
    app.unmount();
  });

  it('q quits, and "Open a shell" ends the app asking for a shell', async () => {
    const quit = drive({ backend: testBackend(laptop) });
    await quit.waitFor('What do you want to do?');
    await quit.type('q');
    expect(quit.exited()).toEqual({ next: 'quit' });
    quit.unmount();

    const shell = drive({ backend: testBackend(laptop) });
    await shell.waitFor('Open a shell');
    await shell.press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.enter);
    expect(shell.exited()).toEqual({ next: 'shell' });
    shell.unmount();
  });

  it('Ctrl-C quits when no job runs', async () => {
    const app = drive({ backend: testBackend(laptop) });
    await app.waitFor('What do you want to do?');
    await app.press(KEY.ctrlC);
    expect(app.exited()).toEqual({ next: 'quit' });
    app.unmount();
  });

  it('? shows the help of the screen on show and Esc closes it without acting on the screen beneath', async () => {
    const app = drive({ backend: testBackend(laptop) });
    await app.waitFor('What do you want to do?');
    await app.type('?');
    const help = await app.waitFor('Help: Lifeboat');
    expect(help).toContain('Esc  back one step');
    expectFitsConsole(help);
    await app.press(KEY.down);
    await app.press(KEY.escape);
    const home = await app.waitFor('What do you want to do?');
    // The Down pressed under the help did not move the highlight.
    expect(home).toMatch(/^> Capture a disk/m);
    app.unmount();
  });

  it('says why when the disks cannot be listed, with the error code', async () => {
    const app = drive({
      backend: testBackend(() => {
        throw new LifeboatError('HELPER_NOT_FOUND', 'The native disk helper has not been built.');
      }),
    });
    expect(await app.waitFor('[HELPER_NOT_FOUND]')).toContain('The native disk helper has not been built.');
    app.unmount();
  });
});
