import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planPrune } from '../../../recovery/pipeline/prune-plan.js';
import { ChunkIndex } from '../../../recovery/repository/chunk-index.js';
import type { PackEntry } from '../../../recovery/repository/pack-reader.js';

const digest = (name: string) => createHash('sha256').update(name).digest();
const hex = (name: string) => digest(name).toString('hex');
const PACK_A = 'a'.repeat(32);
const PACK_B = 'b'.repeat(32);
const PACK_C = 'c'.repeat(32);

/** A pack holding the named chunks, 1000 stored bytes each, one after the other. */
function pack(id: string, names: string[]): [string, PackEntry[]] {
  return [
    id,
    names.map((name, i) => ({
      digest: digest(name),
      location: { packId: id, offsetBytes: 32 + i * 1048, codec: 1, storedBytes: 1000, plainBytes: 65536 },
      crc32c: 0,
    })),
  ];
}

function indexOf(trailers: Map<string, PackEntry[]>): ChunkIndex {
  const index = ChunkIndex.empty();
  for (const entries of trailers.values()) for (const entry of entries) index.add(entry.digest, entry.location);
  return index;
}

describe('planPrune', () => {
  it('keeps packs whose every blob is live, removes packs with none, rewrites the mixed ones with their live blobs in pack order', () => {
    const trailers = new Map([pack(PACK_A, ['x', 'y']), pack(PACK_B, ['old-1', 'z', 'old-2']), pack(PACK_C, ['old-3'])]);
    const plan = planPrune(trailers, indexOf(trailers), new Set(['x', 'y', 'z'].map(hex)));
    expect(plan.keep.map((p) => p.id)).toEqual([PACK_A]);
    expect(plan.remove).toEqual([PACK_C]);
    expect(plan.rewrite.map((p) => [p.id, p.live.map((e) => e.digest.toString('hex'))])).toEqual([[PACK_B, [hex('z')]]]);
    expect(plan).toMatchObject({ liveChunks: 3, deadChunks: 3, deadBytes: 3 * 1048, copyBytes: 1048 });
  });

  it('treats a second copy of a live chunk (one the index does not point at) as garbage', () => {
    // What a prune killed after sealing its new pack leaves: the same chunk in the old pack (indexed) and in the new one.
    const trailers = new Map([pack(PACK_A, ['x', 'gone']), pack(PACK_B, ['x'])]);
    const index = ChunkIndex.empty();
    for (const entry of trailers.get(PACK_A) ?? []) index.add(entry.digest, entry.location);
    const plan = planPrune(trailers, index, new Set([hex('x')]));
    expect(plan.remove).toEqual([PACK_B]);
    expect(plan.rewrite.map((p) => p.id)).toEqual([PACK_A]);
  });

  it('does nothing to a repository without garbage, and removes everything when no snapshot is left', () => {
    const trailers = new Map([pack(PACK_A, ['x']), pack(PACK_B, ['y'])]);
    const index = indexOf(trailers);
    const none = planPrune(trailers, index, new Set(['x', 'y'].map(hex)));
    expect([none.rewrite, none.remove, none.deadChunks]).toEqual([[], [], 0]);
    const all = planPrune(trailers, index, new Set());
    expect(all.remove).toEqual([PACK_A, PACK_B]);
    expect(all.keep).toEqual([]);
  });

  it('removes a pack whose trailer lists nothing', () => {
    const plan = planPrune(new Map([[PACK_A, []]]), ChunkIndex.empty(), new Set());
    expect(plan.remove).toEqual([PACK_A]);
  });
});
