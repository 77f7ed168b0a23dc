import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { LifeboatError } from '../core/errors.js';
import { helperErrorToLifeboat } from './error-codes.js';
import { locateHelper } from './locate-helper.js';
import type { CodeEntry, HelperAnswer, HelperDisk, InfoResult, PartitionExtent, RereadResult, VersionResult, VolumesResult } from './protocol.js';

export interface HelperOptions {
  /** Path of the helper executable; found with locateHelper() when absent. */
  helperPath?: string;
  /** Enumerate from a captured /sys + /proc + /run tree instead of the live system. */
  sysroot?: string;
  /** A program to run the helper under, with its arguments (tests use valgrind). */
  launcher?: string[];
}

// No buffering (answers are read line by line) and no rejection (an exit is reported to waiters).
const CHILD_OPTIONS = { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false } as const;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: LifeboatError) => void;
}

/**
 * A typed client for the native helper. One helper process serves many requests; answers come
 * back in order but are matched by id so a late answer can never be given to the wrong caller.
 */
export class HelperClient {
  private readonly child: ResultPromise<typeof CHILD_OPTIONS>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private exited: LifeboatError | null = null;

  constructor(options: HelperOptions = {}) {
    const helperPath = options.helperPath ?? locateHelper();
    const args = options.sysroot === undefined ? [] : ['--sysroot', options.sysroot];
    const [program, ...launcherArgs] = options.launcher ?? [];
    this.child = program === undefined ? execa(helperPath, args, CHILD_OPTIONS) : execa(program, [...launcherArgs, helperPath, ...args], CHILD_OPTIONS);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    void this.child.then((result) => {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${String(result.exitCode)}`;
      this.failAll(
        new LifeboatError('HELPER_CRASHED', `The native disk helper ${how}${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}.`, {
          cause: result,
        }),
      );
    });
  }

  version(): Promise<VersionResult> {
    return this.request('version', {});
  }

  codes(): Promise<CodeEntry[]> {
    return this.request<{ codes: CodeEntry[] }>('codes', {}).then((r) => r.codes);
  }

  listDisks(): Promise<HelperDisk[]> {
    return this.request<{ disks: HelperDisk[] }>('list', {}).then((r) => r.disks);
  }

  info(device: string): Promise<InfoResult> {
    return this.request('info', { device });
  }

  rereadPartitions(device: string, partitions?: PartitionExtent[]): Promise<RereadResult> {
    return this.request('reread-partitions', partitions === undefined ? { device } : { device, partitions });
  }

  discard(device: string, offsetBytes: number, lengthBytes: number): Promise<{ discardedBytes: number }> {
    return this.request('discard', { device, offset: offsetBytes, length: lengthBytes });
  }

  flush(device: string): Promise<void> {
    return this.request('flush', { device }).then(() => undefined);
  }

  /**
   * Locks and dismounts every volume of a whole disk (Windows) and keeps them so until
   * unlockVolumes() or the helper's exit. Resolves to the volumes held; empty on Linux.
   */
  lockVolumes(device: string): Promise<string[]> {
    return this.request<VolumesResult>('lock-volumes', { device }).then((r) => r.volumes);
  }

  /** Gives back the volumes lockVolumes() took on this disk; resolves to those released. */
  unlockVolumes(device: string): Promise<string[]> {
    return this.request<VolumesResult>('unlock-volumes', { device }).then((r) => r.volumes);
  }

  /** Sends a raw line; for tests of the helper's own input handling. */
  sendRaw(line: string): Promise<unknown> {
    const id = this.nextId++;
    return this.enqueue(id, line);
  }

  /** Ends the helper by closing its input, and waits for it. Resolves to its exit code. */
  async close(): Promise<number | undefined> {
    this.child.stdin.end();
    const result = await this.child;
    return result.exitCode;
  }

  private request<T>(op: string, fields: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return this.enqueue(id, JSON.stringify({ id, op, ...fields })) as Promise<T>;
  }

  private enqueue(id: number, line: string): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  private onLine(line: string): void {
    let answer: HelperAnswer;
    try {
      answer = JSON.parse(line) as HelperAnswer;
    } catch (cause) {
      this.failAll(new LifeboatError('HELPER_PROTOCOL', `The native disk helper answered something that is not JSON: ${line.slice(0, 200)}`, { cause }));
      return;
    }
    // Answers come in request order, so one whose id we did not send (null for an unparseable
    // request, or a raw test line's own id) belongs to the oldest waiting caller.
    const id = typeof answer.id === 'number' && this.pending.has(answer.id) ? answer.id : (this.pending.keys().next().value as number | undefined);
    const waiter = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || !waiter) return;
    this.pending.delete(id);
    if (answer.ok) waiter.resolve(answer.result);
    else waiter.reject(helperErrorToLifeboat(answer.error));
  }

  private failAll(error: LifeboatError): void {
    this.exited = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** Runs `work` with a helper that is always closed afterwards. */
export async function withHelper<T>(options: HelperOptions, work: (helper: HelperClient) => Promise<T>): Promise<T> {
  const helper = new HelperClient(options);
  try {
    return await work(helper);
  } finally {
    await helper.close();
  }
}
