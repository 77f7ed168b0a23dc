import { toLifeboatError } from '../core/errors.js';

export interface ReportOptions {
  json: boolean;
  debug: boolean;
}

/**
 * Prints an error for a person (one sentence on stderr) or for a script (a JSON object on stdout,
 * so `--json` consumers always read JSON). Stacks only with --debug.
 */
export function reportError(value: unknown, options: ReportOptions): void {
  const error = toLifeboatError(value);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
  } else {
    process.stderr.write(`lifeboat: ${error.message} [${error.code}]\n`);
  }
  if (options.debug) {
    process.stderr.write(`${error.stack ?? ''}\n`);
    if (error.cause !== undefined) process.stderr.write(`cause: ${String((error.cause as Error)?.stack ?? JSON.stringify(error.cause))}\n`);
  }
}
