import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/** Something a group of tests needs from the machine. */
export type Need = 'root' | 'loop-devices' | 'fuse' | `tool:${string}`;

const inCi = process.env['CI'] === 'true';

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin` } });
    return true;
  } catch {
    return false;
  }
}

/** Why the machine cannot run a group of tests, as a sentence, or null when it can. */
export function missing(needs: Need[]): string | null {
  const reasons: string[] = [];
  for (const need of needs) {
    if (need === 'root' && process.getuid?.() !== 0) reasons.push('they must run as root');
    else if (need === 'loop-devices' && !existsSync('/dev/loop-control')) reasons.push('this machine has no loop devices (/dev/loop-control)');
    else if (need === 'fuse' && !existsSync('/dev/fuse')) reasons.push('this machine has no FUSE (/dev/fuse), which ntfs-3g and exfat-fuse need');
    else if (need.startsWith('tool:') && !hasTool(need.slice(5))) reasons.push(`the Debian tool ${need.slice(5)} is not installed`);
  }
  return reasons.length === 0 ? null : `${reasons.join(', and ')}`;
}

/**
 * A describe() for tests that need root, loop devices or Debian tools. Without them the group is
 * skipped with the reason in its title; under CI (CI=true) a missing need is a failing test
 * instead, because CI must run everything.
 */
export function describeWith(needs: Need[], name: string, body: () => void): void {
  const reason = missing(needs);
  if (reason === null) {
    describe(name, body);
  } else if (inCi) {
    describe(name, () => {
      it('has what it needs to run', () => {
        throw new Error(`CI cannot skip "${name}": ${reason}.`);
      });
    });
  } else {
    process.stderr.write(`SKIPPED "${name}": ${reason}.\n`);
    describe.skip(`${name} [skipped: ${reason}]`, body);
  }
}
