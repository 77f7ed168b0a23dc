/**
 * The built app in a real terminal (tmux), driven by keys and read from the screen, with no pause
 * standing in for a condition: every key is followed by a wait until the screen shows its effect,
 * so the next key is never sent before the app has acted on the last one, however loaded the
 * machine is. (Once a screen is visible, the app has also attached its key handlers: Ink writes a
 * frame after React's commit, and the effects that attach the handlers run before the app reads
 * its next input.) Every wait polls with a generous deadline and names what it waited for.
 */
import { execa } from 'execa';
import { POLL_DEADLINE_MS, waitUntil } from './poll.js';

export type ScreenTest = string | RegExp | ((screen: string) => boolean);

export class TmuxTerminal {
  constructor(readonly session: string) {}

  /** Starts `command` in a new 80x25 session. */
  async start(command: string): Promise<void> {
    await execa('tmux', ['new-session', '-d', '-s', this.session, '-x', '80', '-y', '25', command]);
  }

  async kill(): Promise<void> {
    await execa('tmux', ['kill-session', '-t', this.session], { reject: false });
  }

  /** The screen now, or null once the session has ended (the app exited). */
  async screenOrEnd(): Promise<string | null> {
    const run = await execa('tmux', ['capture-pane', '-p', '-t', this.session], { reject: false });
    return run.exitCode === 0 ? run.stdout : null;
  }

  async screen(): Promise<string> {
    const now = await this.screenOrEnd();
    if (now === null) throw new Error(`the tmux session ${this.session} has ended`);
    return now;
  }

  async ended(): Promise<boolean> {
    return (await execa('tmux', ['has-session', '-t', this.session], { reject: false })).exitCode !== 0;
  }

  /** Polls until the screen passes `what`; returns that screen. */
  async waitFor(what: ScreenTest, deadlineMs = POLL_DEADLINE_MS): Promise<string> {
    const test = typeof what === 'function' ? what : (text: string) => (typeof what === 'string' ? text.includes(what) : what.test(text));
    let last = '';
    try {
      await waitUntil(
        `the screen to show ${String(what)}`,
        async () => {
          last = await this.screen();
          return test(last);
        },
        { deadlineMs, intervalMs: 100 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; the screen was:\n${last}`);
    }
    return last;
  }

  /** Polls until the app ends (its session closes). */
  async waitForEnd(why: string): Promise<void> {
    await waitUntil(why, () => this.ended(), { intervalMs: 100 });
  }

  /** Sends each key (tmux key names) and waits until the screen changes (or the app ends) after it. */
  async keys(...names: string[]): Promise<void> {
    for (const name of names) await this.send(name, ['send-keys', '-t', this.session, name]);
  }

  /** Types `text` literally and waits until the screen changes. */
  async type(text: string): Promise<void> {
    await this.send(JSON.stringify(text), ['send-keys', '-t', this.session, '-l', text]);
  }

  /**
   * Moves the highlight (the line starting "> ") onto the list line matching `line` (written with
   * its "> "), one Up or Down at a time, each awaited on screen. Returns the screen at that point.
   */
  async highlight(line: RegExp): Promise<string> {
    for (let step = 0; step < 60; step++) {
      const screen = await this.waitFor((s) => /^> /m.test(s));
      const lines = screen.split('\n');
      const at = lines.findIndex((l) => l.startsWith('> '));
      if (at >= 0 && line.test(lines[at] as string)) return screen;
      // The target as it looks while not highlighted ("  " where the highlight puts "> ").
      const target = lines.findIndex((l, i) => i !== at && l.startsWith('  ') && line.test(`> ${l.slice(2)}`));
      await this.send(`a move towards ${String(line)}`, ['send-keys', '-t', this.session, target >= 0 && target < at ? 'Up' : 'Down'], (now) => {
        const moved = now.split('\n').find((l) => l.startsWith('> '));
        return moved !== undefined && moved !== lines[at];
      });
    }
    throw new Error(`no list line matches ${String(line)}:\n${await this.screen()}`);
  }

  private async send(what: string, args: string[], changed: (now: string) => boolean = () => true): Promise<void> {
    const before = await this.screen();
    await execa('tmux', args);
    let last = before;
    await waitUntil(
      `the screen to change after ${what}`,
      async () => {
        const now = await this.screenOrEnd();
        if (now === null) return true;
        last = now;
        return now !== before && changed(now);
      },
      { intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the screen was:\n${last}`);
    });
  }
}
