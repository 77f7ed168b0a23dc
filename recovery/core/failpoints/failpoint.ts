/**
 * Failpoints: named places where a test (or a script outside the suite) makes the process die
 * as a power cut or a kill would, at exactly the same step on every machine, whatever its speed.
 *
 * Armed only by the environment: LIFEBOAT_FAILPOINT=NAME:N kills the process with SIGKILL (exit
 * status 137) the N-th time NAME is reached (N defaults to 1). The interface is fixed: scripts
 * outside the test suite use it. Unset, a failpoint is one comparison with null.
 *
 * Counts are per thread: points sit on the main thread, where the ordering rules are carried out.
 */
import { LifeboatError } from '../errors.js';
import { type FailpointName, findFailpoint } from './failpoint-table.js';

export const FAILPOINT_ENV = 'LIFEBOAT_FAILPOINT';

export interface ArmedFailpoint {
  name: FailpointName;
  hit: number;
}

/** Reads NAME or NAME:N; throws USAGE for an unknown name or a count that is not a positive integer. */
export function parseFailpoint(text: string): ArmedFailpoint {
  const match = /^([a-z0-9.-]+)(?::(\d+))?$/.exec(text.trim());
  const spec = match ? findFailpoint(match[1]!) : undefined;
  if (!match || !spec) {
    throw new LifeboatError('USAGE', `${FAILPOINT_ENV}=${text} names no failpoint; \`lifeboat --list-failpoints\` lists them (NAME or NAME:N).`);
  }
  const hit = match[2] === undefined ? 1 : Number(match[2]);
  if (!Number.isSafeInteger(hit) || hit < 1) throw new LifeboatError('USAGE', `${FAILPOINT_ENV}=${text}: the count after the colon must be 1 or more.`);
  return { name: spec.name as FailpointName, hit };
}

function armedFromEnvironment(): ArmedFailpoint | null {
  const text = process.env[FAILPOINT_ENV];
  if (text === undefined || text === '') return null;
  try {
    return parseFailpoint(text);
  } catch {
    // The CLI checks the variable at start-up and says what is wrong; here a bad value arms nothing.
    return null;
  }
}

const armed = armedFromEnvironment();
let reached = 0;

/** The process dies here, without unwinding, when the environment armed this point for this hit. */
export function failpoint(name: FailpointName): void {
  if (armed === null || armed.name !== name) return;
  reached++;
  if (reached === armed.hit) process.kill(process.pid, 'SIGKILL');
}

/**
 * True when the environment armed any point. Steps whose count would otherwise follow the clock
 * or the order in which parallel work finishes (restore's checkpoints) then follow the data only,
 * so `NAME:N` lands at the same step everywhere.
 */
export function failpointArmed(): boolean {
  return armed !== null;
}

/** For the CLI's start-up: throws USAGE when LIFEBOAT_FAILPOINT is set to something that arms nothing. */
export function checkFailpointEnvironment(): void {
  const text = process.env[FAILPOINT_ENV];
  if (text !== undefined && text !== '') parseFailpoint(text);
}
