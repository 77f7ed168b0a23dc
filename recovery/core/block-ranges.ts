import { LifeboatError } from './errors.js';

/**
 * Sorted, non-overlapping, non-touching runs of blocks: the compact form of a used-block map.
 * Memory is 16 bytes a run, whatever the filesystem's size, so a 64 GiB filesystem with a few
 * thousand runs costs kilobytes. Runs are kept in two Float64Arrays because block numbers of big
 * filesystems pass 2^32 and plain arrays of objects would cost ten times more.
 */
export class BlockRanges {
  constructor(
    private readonly starts: Float64Array,
    private readonly counts: Float64Array,
    /** How many runs there are. */
    readonly length: number,
    /** The sum of all run lengths. */
    readonly totalBlocks: number,
  ) {}

  static readonly empty = new BlockRanges(new Float64Array(0), new Float64Array(0), 0, 0);

  start(index: number): number {
    return this.starts[index] ?? 0;
  }

  count(index: number): number {
    return this.counts[index] ?? 0;
  }

  *[Symbol.iterator](): IterableIterator<{ start: number; count: number }> {
    for (let i = 0; i < this.length; i++) yield { start: this.start(i), count: this.count(i) };
  }

  /** True when `block` falls in some run (binary search). */
  has(block: number): boolean {
    let low = 0;
    let high = this.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const start = this.start(middle);
      if (block < start) high = middle - 1;
      else if (block >= start + this.count(middle)) low = middle + 1;
      else return true;
    }
    return false;
  }

  toJSON(): Array<[number, number]> {
    return Array.from(this, ({ start, count }) => [start, count]);
  }
}

/** Runs allowed in one map before the metadata is treated as hostile: 8 Mi runs = 128 MiB. */
export const MAX_RANGES = 8 * 1024 * 1024;

/**
 * Builds BlockRanges from runs added in any order (sorted at the end only when needed).
 * Touching and overlapping runs merge, so adding the same metadata twice is harmless.
 */
export class BlockRangesBuilder {
  private starts = new Float64Array(64);
  private counts = new Float64Array(64);
  private size = 0;
  private sorted = true;

  constructor(
    /** Blocks past this are outside the filesystem: adding one is an error, not a silent clamp. */
    private readonly limitBlocks: number,
    private readonly maxRanges = MAX_RANGES,
  ) {}

  add(start: number, count: number): void {
    if (count <= 0) return;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || start + count > this.limitBlocks) {
      throw new LifeboatError(
        'CORRUPT_FILESYSTEM',
        `Metadata marks blocks ${start} to ${start + count - 1} as used, but the filesystem has only ${this.limitBlocks} blocks.`,
      );
    }
    const last = this.size - 1;
    if (last >= 0) {
      const lastStart = this.starts[last] ?? 0;
      const lastEnd = lastStart + (this.counts[last] ?? 0);
      if (start >= lastStart && start <= lastEnd) {
        this.counts[last] = Math.max(lastEnd, start + count) - lastStart;
        return;
      }
      if (start < lastStart) this.sorted = false;
    }
    if (this.size === this.starts.length) this.grow();
    this.starts[this.size] = start;
    this.counts[this.size] = count;
    this.size++;
  }

  /** Adds every set bit of an LSB-first bitmap; bit i is block `firstBlock + i`. */
  addBitmap(bitmap: Uint8Array, firstBlock: number, bitCount: number): void {
    const bits = Math.min(bitCount, bitmap.length * 8);
    let runStart = -1;
    let i = 0;
    while (i < bits) {
      const byte = bitmap[i >>> 3] ?? 0;
      // Whole bytes of 0x00 or 0xFF are the common case; step over them eight bits at a time.
      if ((i & 7) === 0 && i + 8 <= bits && (byte === 0 || byte === 0xff)) {
        if (byte === 0xff) {
          if (runStart < 0) runStart = i;
        } else if (runStart >= 0) {
          this.add(firstBlock + runStart, i - runStart);
          runStart = -1;
        }
        i += 8;
        continue;
      }
      const set = (byte >>> (i & 7)) & 1;
      if (set && runStart < 0) runStart = i;
      else if (!set && runStart >= 0) {
        this.add(firstBlock + runStart, i - runStart);
        runStart = -1;
      }
      i++;
    }
    if (runStart >= 0) this.add(firstBlock + runStart, bits - runStart);
  }

  build(): BlockRanges {
    let order: number[] | null = null;
    if (!this.sorted) {
      order = Array.from({ length: this.size }, (_, i) => i);
      order.sort((a, b) => (this.starts[a] ?? 0) - (this.starts[b] ?? 0));
    }
    const starts = new Float64Array(this.size);
    const counts = new Float64Array(this.size);
    let length = 0;
    let total = 0;
    for (let k = 0; k < this.size; k++) {
      const i = order ? (order[k] ?? 0) : k;
      const start = this.starts[i] ?? 0;
      const end = start + (this.counts[i] ?? 0);
      const previousEnd = length > 0 ? (starts[length - 1] ?? 0) + (counts[length - 1] ?? 0) : -1;
      if (length > 0 && start <= previousEnd) {
        if (end > previousEnd) {
          total += end - previousEnd;
          counts[length - 1] = end - (starts[length - 1] ?? 0);
        }
        continue;
      }
      starts[length] = start;
      counts[length] = end - start;
      total += end - start;
      length++;
    }
    return new BlockRanges(starts.slice(0, length), counts.slice(0, length), length, total);
  }

  private grow(): void {
    if (this.size >= this.maxRanges) {
      throw new LifeboatError(
        'LIMIT_EXCEEDED',
        `The used-block map has more than ${this.maxRanges} separate runs; Lifeboat stops there so a damaged or hostile filesystem cannot exhaust memory.`,
      );
    }
    const capacity = Math.min(this.maxRanges, this.starts.length * 2);
    const starts = new Float64Array(capacity);
    const counts = new Float64Array(capacity);
    starts.set(this.starts);
    counts.set(this.counts);
    this.starts = starts;
    this.counts = counts;
  }
}
