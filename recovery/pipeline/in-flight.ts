/**
 * Bounds how much work is in flight: a producer awaits `slot()` before starting a job, so no more
 * than `limit` chunks (and their buffers) exist at once whatever the disk size. The first failure
 * is kept and rethrown to the producer, so a broken pipeline stops reading at once.
 */
export class InFlight {
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  private failure: unknown = null;
  private readonly all = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  /** Waits for room, then starts `work` without waiting for it. */
  async start(work: () => Promise<void>): Promise<void> {
    this.check();
    while (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.check();
    }
    this.running++;
    const job = work()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.running--;
        this.all.delete(job);
        this.waiters.shift()?.();
      });
    this.all.add(job);
  }

  /** Waits for everything started, then throws the first failure, if any. */
  async drain(): Promise<void> {
    while (this.all.size > 0) await Promise.all([...this.all]);
    this.check();
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }
}
