/**
 * The typed progress model every pipeline emits. The CLI's text and JSON printers consume it now,
 * the TUI later; none of them sees anything else of the engine's inner workings.
 */
export type Operation = 'capture' | 'restore' | 'verify' | 'clone' | 'check' | 'repair' | 'prune' | 'media';

export type Phase =
  /** Reading partition tables and filesystems, planning. */
  | 'analyze'
  /** Restore: checking every chunk the snapshot needs before the first write. */
  | 'precheck'
  /** Restore/clone: clearing the target's old partition-table signatures. */
  | 'clear'
  /** Restore --discard: telling the target its free ranges hold nothing (TRIM). */
  | 'discard'
  /** Copying used data. */
  | 'data'
  /** Capture --rescue: retrying the areas the data phase could not read, with smaller reads. */
  | 'rescue'
  /** Writing the partition table (last), with the first and last MiB of the target. */
  | 'table'
  /** Flushing and asking the kernel to re-read the table. */
  | 'flush'
  /** Reading back what was written and comparing. */
  | 'readback'
  /** Restore --grow-last: growing the last partition's filesystem and checking it. */
  | 'grow'
  /** Media write: making the data partition's filesystem. */
  | 'format'
  | 'done';

export interface ProgressItem {
  /** 1-based position among the items of this phase. */
  index: number;
  count: number;
  /** "partition 2 (ntfs, "Windows")", "boot-loader gap"... */
  label: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface ProgressEvent {
  operation: Operation;
  phase: Phase;
  item: ProgressItem | null;
  /** Bytes of the current phase done and to do (used bytes, not disk size). */
  bytesDone: number;
  bytesTotal: number;
  rateBytesPerSecond: number;
  /** Null until the rate is known. */
  etaSeconds: number | null;
  elapsedSeconds: number;
  /** Restore: used bytes written and flushed as the target's journal records them (a resume starts there); absent elsewhere. */
  durableBytes?: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

const RATE_WINDOW_MS = 5000;
const EMIT_EVERY_MS = 200;

/**
 * Keeps the counters of a running operation and emits events at a steady pace (at most every
 * 200 ms, plus every phase or item change) so a fast pipeline cannot flood a terminal.
 */
export class ProgressTracker {
  private phase: Phase = 'analyze';
  private item: ProgressItem | null = null;
  private bytesDone = 0;
  private bytesTotal = 0;
  private readonly startedAt = Date.now();
  private samples: Array<{ atMs: number; bytes: number }> = [];
  private lastEmitMs = 0;
  private durableBytes: number | undefined;

  constructor(
    private readonly operation: Operation,
    private readonly listener: ProgressListener | undefined,
  ) {}

  startPhase(phase: Phase, bytesTotal: number): void {
    this.phase = phase;
    this.bytesTotal = bytesTotal;
    this.bytesDone = 0;
    this.item = null;
    this.samples = [];
    this.emit(true);
  }

  startItem(index: number, count: number, label: string, bytesTotal: number): void {
    this.item = { index, count, label, bytesDone: 0, bytesTotal };
    this.emit(true);
  }

  advance(bytes: number): void {
    this.bytesDone += bytes;
    if (this.item) this.item.bytesDone += bytes;
    this.emit(false);
  }

  /** A restore checkpoint: `bytes` of used data are durable now. */
  durable(bytes: number): void {
    this.durableBytes = bytes;
    this.emit(true);
  }

  finish(): void {
    this.phase = 'done';
    this.item = null;
    this.bytesDone = this.bytesTotal;
    this.emit(true);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  snapshot(): ProgressEvent {
    const now = Date.now();
    this.samples.push({ atMs: now, bytes: this.bytesDone });
    while (this.samples.length > 2 && now - (this.samples[1]?.atMs ?? now) > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0] ?? { atMs: now, bytes: 0 };
    const spanSeconds = (now - first.atMs) / 1000;
    const rate = spanSeconds > 0.2 ? (this.bytesDone - first.bytes) / spanSeconds : 0;
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    return {
      operation: this.operation,
      phase: this.phase,
      item: this.item ? { ...this.item } : null,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      rateBytesPerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? Math.round(left / rate) : left === 0 ? 0 : null,
      elapsedSeconds: Math.round(this.elapsedSeconds * 10) / 10,
      ...(this.durableBytes === undefined ? {} : { durableBytes: this.durableBytes }),
    };
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.lastEmitMs < EMIT_EVERY_MS) return;
    this.lastEmitMs = now;
    this.listener(this.snapshot());
  }
}
