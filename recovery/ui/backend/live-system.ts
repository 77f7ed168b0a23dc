/**
 * Whether Lifeboat runs as the live rescue system (booted from its own stick or from WinPE), where
 * the home screen offers Reboot and Power off, and how to do those. On a technician's own
 * workstation the menu must not offer to reboot it, so the live image marks itself explicitly:
 * the file /etc/lifeboat-live (Linux image) or the environment variable LIFEBOAT_LIVE=1 (WinPE's
 * startnet.cmd, or any image that prefers a variable).
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { LifeboatError } from '../../core/errors.js';

export const LIVE_MARKER_FILE = '/etc/lifeboat-live';

export function isLiveSystem(env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = existsSync): boolean {
  if (env['LIFEBOAT_LIVE'] === '1') return true;
  if (env['LIFEBOAT_LIVE'] === '0') return false;
  return process.platform !== 'win32' && exists(LIVE_MARKER_FILE);
}

export type PowerAction = 'reboot' | 'poweroff';

/** The command that does it: wpeutil in WinPE; reboot/poweroff (busybox or systemd) on Linux. */
export function powerCommand(action: PowerAction, platform: NodeJS.Platform = process.platform): [string, string[]] {
  if (platform === 'win32') return ['wpeutil', [action === 'reboot' ? 'reboot' : 'shutdown']];
  return [action, []];
}

export async function powerOff(action: PowerAction): Promise<void> {
  const [program, args] = powerCommand(action);
  const result = await execa(program, args, { reject: false, stdin: 'ignore', all: true });
  if (result.exitCode !== 0) {
    throw new LifeboatError(
      'UNSUPPORTED',
      `\`${[program, ...args].join(' ')}\` failed (${(result.all ?? '').trim() || `exit code ${String(result.exitCode)}`}); switch the computer off with its power button.`,
      { cause: result },
    );
  }
}
