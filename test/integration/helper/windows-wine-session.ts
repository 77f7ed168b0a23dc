import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const WINDOWS_HELPER = path.resolve(import.meta.dirname, '../../../native/build/windows/lifeboat-helper.exe');

/** The Wine loader: `wine` (Debian's wine package) or the 64-bit loader itself. */
export function wineProgram(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v wine'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  return existsSync('/usr/lib/wine/wine64') ? '/usr/lib/wine/wine64' : null;
}

export interface WineAnswer {
  id: number | string | null;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: number; name: string; message: string; errno: number; device?: string };
}

/**
 * A Wine prefix of our own in a temp directory, so the tests never touch ~/.wine and leave
 * nothing behind. Its first use builds the prefix (wineboot), which takes a while.
 */
export class WinePrefix {
  private constructor(
    readonly wine: string,
    readonly dir: string,
  ) {}

  static async create(wine: string): Promise<WinePrefix> {
    return new WinePrefix(wine, await mkdtemp(path.join(tmpdir(), 'lifeboat-wine-')));
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, WINEPREFIX: this.dir, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  }

  /** Runs the helper once to completion (the first run also creates the prefix). */
  runOnce(args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(this.wine, [WINDOWS_HELPER, ...args], { env: this.env, encoding: 'utf8', timeout: timeoutMs, input: '' });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  /** Stops this prefix's wineserver (and the Wine services it runs), then removes the prefix. */
  async remove(): Promise<void> {
    spawnSync('wineserver', ['-k'], { env: this.env, timeout: 30_000 });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * One helper process under Wine, spoken to with raw lines so the test sees the bytes it answers
 * (a CR would mean stdout is in text mode).
 */
export class WineHelper {
  private readonly child: ChildProcess;
  private buffered = Buffer.alloc(0);
  private readonly waiting: Array<{ resolve: (answer: WineAnswer) => void; reject: (error: Error) => void }> = [];
  private readonly exited: Promise<number | null>;
  /** Every byte the helper wrote to stdout. */
  stdout = Buffer.alloc(0);
  stderr = '';

  constructor(prefix: WinePrefix, args: string[] = []) {
    this.child = spawn(prefix.wine, [WINDOWS_HELPER, ...args], { env: prefix.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        // Whoever still waits gets told now instead of timing out.
        for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`The helper exited with code ${String(code)} before answering: ${this.stderr}`));
        resolve(code);
      }),
    );
  }

  /** Sends one line (a newline is added) and resolves to the next answer. */
  send(line: string | Buffer): Promise<WineAnswer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin!.write(Buffer.concat([Buffer.from(line), Buffer.from('\n')]));
    });
  }

  request(op: string, fields: Record<string, unknown> = {}, id = 1): Promise<WineAnswer> {
    return this.send(JSON.stringify({ id, op, ...fields }));
  }

  /** Closes stdin and resolves to the exit code. */
  close(): Promise<number | null> {
    this.child.stdin!.end();
    return this.exited;
  }

  private onData(chunk: Buffer): void {
    this.stdout = Buffer.concat([this.stdout, chunk]);
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (let nl = this.buffered.indexOf(0x0a); nl >= 0; nl = this.buffered.indexOf(0x0a)) {
      const line = this.buffered.subarray(0, nl).toString('utf8');
      this.buffered = this.buffered.subarray(nl + 1);
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(JSON.parse(line) as WineAnswer);
    }
  }
}
