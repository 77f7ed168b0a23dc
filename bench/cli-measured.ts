/**
 * The Lifeboat CLI as build/recovery/cli/main.js runs it, plus this process's resource usage
 * written as JSON to the file named by LIFEBOAT_BENCH_RUSAGE just before exit. getrusage counts
 * every thread of the process, so maxRSS (KiB) includes the worker threads. Run by
 * bench/pipeline-throughput.ts.
 */
import { writeFileSync } from 'node:fs';
import { runCli } from '../recovery/cli/program.js';

const code = await runCli(process.argv);
const rusageFile = process.env['LIFEBOAT_BENCH_RUSAGE'];
if (rusageFile) writeFileSync(rusageFile, JSON.stringify(process.resourceUsage()));
// Explicit exit: the measurement is taken, and nothing left on the event loop should add to the wall time.
process.exit(code);
