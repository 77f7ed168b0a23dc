/**
 * The bookkeeping every owner mapper shares: finding which queried byte ranges a run of the
 * filesystem touches, and collecting each query's owners without duplicates and within a bound.
 */
import type { ByteSource } from '../core/byte-source.js';

export interface ByteOwner {
  kind: 'file' | 'directory' | 'metadata' | 'unknown';
  /**
   * A path from the filesystem's root ("/big/file.bin"; "/file:stream" for a named NTFS stream),
   * or the name of a structure ("ext4 journal", "$MFT (records 80-81, not in use)").
   */
  name: string;
  /** For file content: where the queried range starts in the file, and how many of its bytes it covers. */
  fileOffsetBytes?: number;
  lengthBytes?: number;
}

/** A byte range, from the start of the filesystem's partition. */
export interface OwnerQuery {
  offsetBytes: number;
  lengthBytes: number;
}

/** Answers, for each query in order, the owners of its bytes (empty when no owner was found). */
export type ByteOwnerMapper = (source: ByteSource, queries: readonly OwnerQuery[]) => Promise<ByteOwner[][]>;

/** At most this many owners are named per range; a range across a packed directory could name thousands. */
export const MAX_OWNERS_PER_RANGE = 32;

/** A query's part inside a run: byte offsets from the partition start. */
export interface QueryHit {
  query: number;
  startBytes: number;
  endBytes: number;
}

/** The queries sorted by offset, for finding those a byte run touches in O(log n). */
export class QueryIndex {
  private readonly order: number[];

  constructor(readonly queries: readonly OwnerQuery[]) {
    this.order = queries.map((_, i) => i).sort((a, b) => (queries[a]?.offsetBytes ?? 0) - (queries[b]?.offsetBytes ?? 0));
  }

  /** The queries overlapping bytes [startBytes, endBytes), with the overlapping part of each. */
  hits(startBytes: number, endBytes: number): QueryHit[] {
    const found: QueryHit[] = [];
    if (endBytes <= startBytes) return found;
    // Queries are disjoint, so the first one ending after startBytes starts the overlapping stretch.
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const q = this.queries[this.order[middle] ?? 0] as OwnerQuery;
      if (q.offsetBytes + q.lengthBytes <= startBytes) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < this.order.length; i++) {
      const index = this.order[i] ?? 0;
      const q = this.queries[index] as OwnerQuery;
      if (q.offsetBytes >= endBytes) break;
      const from = Math.max(startBytes, q.offsetBytes);
      const to = Math.min(endBytes, q.offsetBytes + q.lengthBytes);
      if (to > from) found.push({ query: index, startBytes: from, endBytes: to });
    }
    return found;
  }

  /** True when any query touches [startBytes, endBytes). */
  touches(startBytes: number, endBytes: number): boolean {
    return this.hits(startBytes, endBytes).length > 0;
  }
}

/** Owners per query, without repeats; pieces of one file that follow each other are joined. */
export class OwnerLists {
  readonly lists: ByteOwner[][];

  constructor(queryCount: number) {
    this.lists = Array.from({ length: queryCount }, () => []);
  }

  add(query: number, owner: ByteOwner): void {
    const list = this.lists[query];
    if (list === undefined) return;
    for (const known of list) {
      if (known.kind !== owner.kind || known.name !== owner.name) continue;
      if (known.fileOffsetBytes === undefined && owner.fileOffsetBytes === undefined) return;
      if (
        known.fileOffsetBytes !== undefined &&
        owner.fileOffsetBytes !== undefined &&
        known.fileOffsetBytes + (known.lengthBytes ?? 0) === owner.fileOffsetBytes
      ) {
        known.lengthBytes = (known.lengthBytes ?? 0) + (owner.lengthBytes ?? 0);
        return;
      }
    }
    // One more than the bound is kept so the caller can tell that some were left out.
    if (list.length <= MAX_OWNERS_PER_RANGE) list.push(owner);
  }
}
