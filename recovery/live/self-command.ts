/**
 * How to start this same Lifeboat again as a child process: the single binary is its own program;
 * from a checkout it is Node plus the entry script. The job runner runs each step this way, so a
 * step that crashes cannot take the job (and its log) down with it.
 */
import { isSea } from 'node:sea';

export function selfCommand(): [string, string[]] {
  if (isSea()) return [process.execPath, []];
  const script = process.argv[1];
  if (script === undefined) return [process.execPath, []];
  return [process.execPath, [script]];
}
