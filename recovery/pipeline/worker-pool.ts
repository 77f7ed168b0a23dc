/**
 * A pool of worker threads, one per core, for the CPU-heavy part of every pipeline (SHA-256 and
 * zstd). Jobs carry their buffers as transfers, so a chunk moves between threads without a copy.
 * The pool queues without limit; callers bound what is in flight (see bounded-queue.ts).
 */
import { createRequire } from 'node:module';
import { crc32cModule } from '../core/crc32c-module.js';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../core/errors.js';
import { chunkWorkerMain, type WorkerAnswer, type WorkerJob, type WorkerSetup } from './chunk-worker.js';

type JobInput = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

interface Waiting {
  job: WorkerJob;
  transfer: ArrayBuffer[];
  resolve: (answer: WorkerAnswer) => void;
  reject: (error: unknown) => void;
}

export interface WorkerPoolOptions {
  threads?: number;
  /** Sorted 32-byte digests the repository already holds. */
  known?: Buffer;
}

function workerSetup(known: Buffer | undefined): WorkerSetup {
  const require = createRequire(import.meta.url);
  const zstdPath = require.resolve('zstd-napi');
  let shared: SharedArrayBuffer | null = null;
  if (known && known.length > 0) {
    shared = new SharedArrayBuffer(known.length);
    new Uint8Array(shared).set(known);
  }
  return {
    zstdPath,
    zstdBindingPath: require.resolve('zstd-napi/binding'),
    crcPath: crc32cModule().path,
    crcExport: crc32cModule().exportName,
    known: shared,
  };
}

export class WorkerPool {
  readonly threads: number;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Waiting>();
  private readonly queue: Waiting[] = [];
  private readonly workers: Worker[] = [];
  private nextId = 1;
  private failure: LifeboatError | null = null;

  constructor(options: WorkerPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? os.availableParallelism());
    const setup = workerSetup(options.known);
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(`(${chunkWorkerMain.toString()})(require)`, { eval: true, workerData: setup });
      worker.on('message', (answer: WorkerAnswer) => this.finish(worker, answer));
      worker.on('error', (error) =>
        this.fail(new LifeboatError('INTERNAL', `A worker thread failed: ${error.message}. Run again with --debug and report it.`, { cause: error })),
      );
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  run(input: JobInput, transfer: ArrayBuffer[] = []): Promise<WorkerAnswer> {
    if (this.failure) return Promise.reject(this.failure);
    const job = { ...input, id: this.nextId++ } as WorkerJob;
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { job, transfer, resolve, reject };
      const worker = this.idle.pop();
      if (worker) this.start(worker, waiting);
      else this.queue.push(waiting);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private start(worker: Worker, waiting: Waiting): void {
    this.busy.set(worker, waiting);
    worker.postMessage(waiting.job, waiting.transfer);
  }

  private finish(worker: Worker, answer: WorkerAnswer): void {
    const waiting = this.busy.get(worker);
    this.busy.delete(worker);
    const next = this.queue.shift();
    if (next) this.start(worker, next);
    else this.idle.push(worker);
    waiting?.resolve(answer);
  }

  private fail(error: LifeboatError): void {
    this.failure = error;
    for (const waiting of [...this.busy.values(), ...this.queue]) waiting.reject(error);
    this.busy.clear();
    this.queue.length = 0;
  }
}
