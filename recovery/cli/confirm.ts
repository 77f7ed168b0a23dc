/**
 * The typed confirmation every destructive command needs: `--yes` with the target's kernel name or
 * path repeated in `--confirm-target`, or, on a terminal, the name typed at a prompt.
 */
import { createInterface } from 'node:readline/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';

export interface ConfirmOptions {
  yes: boolean;
  confirmTarget?: string;
  /** The target's kernel name (sdb) or, for an image file, its path. */
  name: string;
  path: string;
}

function matches(answer: string, options: ConfirmOptions): boolean {
  const given = answer.trim();
  if (given.length === 0) return false;
  return given === options.name || given === options.path || path.resolve(given) === path.resolve(options.path) || given === `/dev/${options.name}`;
}

export async function confirmTarget(options: ConfirmOptions, what: string): Promise<void> {
  if (options.yes) {
    if (options.confirmTarget === undefined) {
      throw new LifeboatError(
        'NOT_CONFIRMED',
        `--yes needs --confirm-target ${options.name}: repeat the target's name so a typo in --target cannot destroy the wrong disk.`,
      );
    }
    if (!matches(options.confirmTarget, options)) {
      throw new LifeboatError(
        'NOT_CONFIRMED',
        `--confirm-target ${options.confirmTarget} does not name the target ${options.path} (${options.name}); nothing was written.`,
      );
    }
    return;
  }
  if (!process.stdin.isTTY) {
    throw new LifeboatError(
      'NOT_CONFIRMED',
      `Nobody can answer the confirmation here (no terminal); run with --yes --confirm-target ${options.name}. Nothing was written.`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${what}\nType ${options.name} to continue, anything else to stop: `);
    if (!matches(answer, options)) throw new LifeboatError('NOT_CONFIRMED', 'The answer did not match the target; nothing was written.');
  } finally {
    prompt.close();
  }
}
