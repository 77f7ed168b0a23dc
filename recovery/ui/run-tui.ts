import { spawnSync } from 'node:child_process';
import { render } from 'ink';
import { createElement } from 'react';
import { toLifeboatError } from '../core/errors.js';
import type { HelperOptions } from '../helper/helper-client.js';
import { App } from './App.js';
import type { AppExit } from './app-context.js';
import { isLiveSystem } from './backend/live-system.js';
import { EscapeHoldingStdin } from './escape-holding-stdin.js';
import { realBackend } from './backend/real-backend.js';
import { chooseGlyphs } from './glyphs.js';
import { stopRunningJobs } from './use-job.js';

export interface TuiOptions {
  debug?: boolean;
}

/** The person's shell, or the system's. */
function shellCommand(): string {
  if (process.platform === 'win32') return process.env['COMSPEC'] ?? 'cmd.exe';
  return process.env['SHELL'] || '/bin/sh';
}

/**
 * Opens the terminal UI and resolves when the person leaves it. "Open a shell" ends the Ink app,
 * runs the shell on the terminal and opens the app again; Reboot and Power off end it for good.
 * SIGTERM, SIGINT and SIGHUP (a serial line dropped) stop a running job safely before the process ends.
 */
export async function runTui(helperOptions: HelperOptions, options: TuiOptions = {}): Promise<void> {
  const backend = realBackend(helperOptions);
  const glyphs = chooseGlyphs();
  const live = isLiveSystem();
  let stopping = false;
  // A job is stopped at its next chunk and what was mounted is unmounted before the process ends.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    void stopRunningJobs()
      .then(() => backend.unmountAll())
      .finally(() => process.exit(signal === 'SIGHUP' ? 129 : signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  try {
    for (;;) {
      // Start from a clear screen (after the boot messages, or what the shell left) at the top left.
      process.stdout.write('\u001B[2J\u001B[H');
      // Each round gets its own input, detached before a shell takes the terminal over.
      const input = new EscapeHoldingStdin(process.stdin);
      let how: AppExit;
      try {
        const instance = render(createElement(App, { backend, helperOptions, live, debug: options.debug ?? false, glyphs }), {
          exitOnCtrlC: false,
          maxFps: 10,
          stdin: input as unknown as NodeJS.ReadStream,
        });
        how = ((await instance.waitUntilExit()) as AppExit | undefined) ?? { next: 'quit' };
        instance.cleanup();
      } finally {
        input.detach();
      }
      if (how.next === 'shell') {
        process.stdout.write(`\nType exit to return to Lifeboat.\n`);
        spawnSync(shellCommand(), { stdio: 'inherit' });
        continue;
      }
      await backend.unmountAll();
      if (how.next === 'reboot' || how.next === 'poweroff') {
        try {
          await backend.power(how.next);
        } catch (error) {
          process.stderr.write(`lifeboat: ${toLifeboatError(error).message}\n`);
        }
      }
      return;
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGINT', onSignal);
  }
}
