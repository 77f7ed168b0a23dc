/**
 * The repository index: chunk digest -> pack, offset, sizes. Loaded entries stay in their on-disk
 * form (one Buffer of 56-byte records sorted by digest, found by binary search), so a 2 TB disk's
 * half a million chunks cost 28 MiB instead of a few hundred MiB of JavaScript objects. Entries a
 * capture adds live in a Map until the index is written again.
 */
import { createHash } from 'node:crypto';
import { LifeboatError } from '../core/errors.js';
import {
  DIGEST_BYTES,
  INDEX_ENTRY_BYTES,
  INDEX_HEADER_BYTES,
  INDEX_MAGIC,
  INDEX_VERSION,
  MAX_CHUNK_SIZE_BYTES,
  MAX_STORED_OVERHEAD_BYTES,
  digestHex,
} from './format-constants.js';

export interface ChunkLocation {
  /** 32 hex digits. */
  packId: string;
  /** Where the blob header starts in the pack. */
  offsetBytes: number;
  codec: number;
  storedBytes: number;
  plainBytes: number;
}

const PACK_ID_BYTES = 16;

export class ChunkIndex {
  private readonly added = new Map<string, ChunkLocation>();

  private constructor(
    private readonly packIds: string[],
    /** Sorted 56-byte records. */
    private readonly records: Buffer,
  ) {}

  static empty(): ChunkIndex {
    return new ChunkIndex([], Buffer.alloc(0));
  }

  /** Parses an index file, checking its hash and every bound before trusting a record. */
  static parse(bytes: Buffer, file: string): ChunkIndex {
    const damaged = (why: string) =>
      new LifeboatError('CORRUPT_IMAGE', `The repository index ${file} is damaged (${why}); run \`lifeboat verify\` or rebuild it with \`lifeboat repair\`.`);
    if (bytes.length < INDEX_HEADER_BYTES + 32 || !bytes.subarray(0, 8).equals(INDEX_MAGIC)) throw damaged('not an index file');
    const version = bytes.readUInt16LE(8);
    if (version === 0) throw damaged('version 0 was never written');
    if (version > INDEX_VERSION) {
      throw new LifeboatError(
        'UNSUPPORTED_FORMAT',
        `The repository index ${file} has format version ${version}, written by a newer Lifeboat; use that version or newer.`,
      );
    }
    const body = bytes.subarray(0, bytes.length - 32);
    if (
      !createHash('sha256')
        .update(body)
        .digest()
        .equals(bytes.subarray(bytes.length - 32))
    )
      throw damaged('its SHA-256 does not match');
    const packCount = bytes.readUInt32LE(12);
    const entryCount = Number(bytes.readBigUInt64LE(16));
    const expected = INDEX_HEADER_BYTES + packCount * PACK_ID_BYTES + entryCount * INDEX_ENTRY_BYTES + 32;
    if (expected !== bytes.length) throw damaged(`its counts say ${expected} bytes, the file has ${bytes.length}`);
    const packIds: string[] = [];
    for (let i = 0; i < packCount; i++)
      packIds.push(bytes.subarray(INDEX_HEADER_BYTES + i * PACK_ID_BYTES, INDEX_HEADER_BYTES + (i + 1) * PACK_ID_BYTES).toString('hex'));
    const records = bytes.subarray(INDEX_HEADER_BYTES + packCount * PACK_ID_BYTES, bytes.length - 32);
    for (let i = 0; i < entryCount; i++) {
      const at = i * INDEX_ENTRY_BYTES;
      if (
        i > 0 &&
        Buffer.compare(records.subarray(at - INDEX_ENTRY_BYTES, at - INDEX_ENTRY_BYTES + DIGEST_BYTES), records.subarray(at, at + DIGEST_BYTES)) >= 0
      ) {
        throw damaged(`entry ${i} is out of order`);
      }
      const pack = records.readUInt32LE(at + 40);
      const plain = records.readUInt32LE(at + 52);
      if (pack >= packCount || plain > MAX_CHUNK_SIZE_BYTES || records.readUInt32LE(at + 48) > plain + MAX_STORED_OVERHEAD_BYTES)
        throw damaged(`entry ${i} is out of bounds`);
    }
    return new ChunkIndex(packIds, Buffer.from(records));
  }

  get size(): number {
    return this.records.length / INDEX_ENTRY_BYTES + this.added.size;
  }

  /** The sorted digests of the loaded records, for workers that skip compressing known chunks. */
  get knownDigests(): Buffer {
    const digests = Buffer.alloc((this.records.length / INDEX_ENTRY_BYTES) * DIGEST_BYTES);
    for (let i = 0; i * INDEX_ENTRY_BYTES < this.records.length; i++)
      this.records.copy(digests, i * DIGEST_BYTES, i * INDEX_ENTRY_BYTES, i * INDEX_ENTRY_BYTES + DIGEST_BYTES);
    if (this.added.size === 0) return digests;
    // Chunks adopted from an interrupted capture's packs count as known too: merge them in, sorted.
    const all: Buffer[] = [];
    for (let at = 0; at < digests.length; at += DIGEST_BYTES) all.push(digests.subarray(at, at + DIGEST_BYTES));
    for (const hex of this.added.keys()) all.push(Buffer.from(hex, 'hex'));
    return Buffer.concat(all.sort(Buffer.compare));
  }

  get packs(): readonly string[] {
    return [...new Set([...this.packIds, ...[...this.added.values()].map((l) => l.packId)])];
  }

  has(digest: Uint8Array): boolean {
    return this.find(digest) !== null;
  }

  find(digest: Uint8Array): ChunkLocation | null {
    const added = this.added.get(digestHex(digest));
    if (added) return added;
    let low = 0;
    let high = this.records.length / INDEX_ENTRY_BYTES - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = middle * INDEX_ENTRY_BYTES;
      const order = Buffer.compare(this.records.subarray(at, at + DIGEST_BYTES), digest);
      if (order < 0) low = middle + 1;
      else if (order > 0) high = middle - 1;
      else return this.locationAt(at);
    }
    return null;
  }

  /** Records a chunk stored by this capture; a digest already known keeps its first location. */
  add(digest: Uint8Array, location: ChunkLocation): void {
    if (!this.has(digest)) this.added.set(digestHex(digest), location);
  }

  get addedCount(): number {
    return this.added.size;
  }

  /** Every entry, loaded ones in digest order, then the ones added since. */
  *entries(): Generator<{ digest: Buffer; location: ChunkLocation }> {
    for (let at = 0; at < this.records.length; at += INDEX_ENTRY_BYTES)
      yield { digest: this.records.subarray(at, at + DIGEST_BYTES), location: this.locationAt(at) };
    for (const [hex, location] of this.added) yield { digest: Buffer.from(hex, 'hex'), location };
  }

  serialize(): Buffer {
    const all = new Map<string, ChunkLocation>();
    for (let at = 0; at < this.records.length; at += INDEX_ENTRY_BYTES)
      all.set(this.records.subarray(at, at + DIGEST_BYTES).toString('hex'), this.locationAt(at));
    for (const [hex, location] of this.added) all.set(hex, location);
    const packIds = [...new Set([...all.values()].map((l) => l.packId))].sort();
    const packNumber = new Map(packIds.map((id, i) => [id, i]));
    const digests = [...all.keys()].sort();
    const out = Buffer.alloc(INDEX_HEADER_BYTES + packIds.length * PACK_ID_BYTES + digests.length * INDEX_ENTRY_BYTES + 32);
    INDEX_MAGIC.copy(out, 0);
    out.writeUInt16LE(INDEX_VERSION, 8);
    out.writeUInt32LE(packIds.length, 12);
    out.writeBigUInt64LE(BigInt(digests.length), 16);
    for (const [i, id] of packIds.entries()) out.write(id, INDEX_HEADER_BYTES + i * PACK_ID_BYTES, 'hex');
    let at = INDEX_HEADER_BYTES + packIds.length * PACK_ID_BYTES;
    for (const hex of digests) {
      const location = all.get(hex) as ChunkLocation;
      out.write(hex, at, 'hex');
      out.writeBigUInt64LE(BigInt(location.offsetBytes), at + 32);
      out.writeUInt32LE(packNumber.get(location.packId) ?? 0, at + 40);
      out.writeUInt8(location.codec, at + 44);
      out.writeUInt32LE(location.storedBytes, at + 48);
      out.writeUInt32LE(location.plainBytes, at + 52);
      at += INDEX_ENTRY_BYTES;
    }
    createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
    return out;
  }

  private locationAt(at: number): ChunkLocation {
    return {
      packId: this.packIds[this.records.readUInt32LE(at + 40)] ?? '',
      offsetBytes: Number(this.records.readBigUInt64LE(at + 32)),
      codec: this.records.readUInt8(at + 44),
      storedBytes: this.records.readUInt32LE(at + 48),
      plainBytes: this.records.readUInt32LE(at + 52),
    };
  }
}
