/**
 * The CLI a power-cut recording runs: the built one, or LIFEBOAT_POWER_CUT_CLI, the main.js of a
 * build with an ordering rule broken on purpose, to see the harness catch it (docs/testing.md).
 */
import { execa } from 'execa';
import { lifeboat } from '../pipeline/cli-pipeline.js';

export function recordedCli(...args: string[]) {
  const other = process.env['LIFEBOAT_POWER_CUT_CLI'];
  return other ? execa(process.execPath, [other, ...args], { reject: false, env: { NO_COLOR: '1' } }) : lifeboat(...args);
}
