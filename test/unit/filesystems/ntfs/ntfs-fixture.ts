/**
 * Loads the NTFS base fixtures (see test/fixtures/hostile/ntfs/README.md): real volumes reduced
 * to the metadata Lifeboat reads, stored as extents, with the oracles' answers beside them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkReadRange, type ByteSource } from '../../../../recovery/core/byte-source.js';

const FIXTURES = path.join(import.meta.dirname, '../../../fixtures/hostile/ntfs');

export interface NtfsFixtureExpectations {
  sizeBytes: number;
  clusterBytes: number;
  blkid: { TYPE: string; LABEL: string | null; UUID: string };
  partclone: { blockSizeBytes: number; totalBlocks: number; usedBlocks: number; usedRuns: Array<[number, number]> };
  ntfsinfo: {
    mftRuns: Array<{ vcn: number; lcn: number; lengthClusters: number }>;
    mftAttributeListRuns: Array<{ vcn: number; lcn: number; lengthClusters: number }>;
    mftExtensionRecords: number[];
  };
}

export interface NtfsFixture {
  /** The whole volume, zero outside the kept extents. */
  image: Uint8Array;
  /** Where the kept metadata is: the only bytes worth mutating. */
  extents: Array<{ offset: number; length: number }>;
  expected: NtfsFixtureExpectations;
}

export function loadNtfsFixture(name: 'small-512' | 'fragmented-mft'): NtfsFixture {
  const stored = JSON.parse(gunzipSync(readFileSync(path.join(FIXTURES, `${name}.json.gz`))).toString('utf8')) as {
    sizeBytes: number;
    extents: Array<{ offset: number; data: string }>;
  };
  const image = new Uint8Array(stored.sizeBytes);
  const extents = stored.extents.map(({ offset, data }) => {
    const bytes = Buffer.from(data, 'base64');
    image.set(bytes, offset);
    return { offset, length: bytes.length };
  });
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as NtfsFixtureExpectations;
  return { image, extents, expected };
}

/**
 * A source over a volume that is all zeros except `extents`, whose bytes are taken in order
 * from `packed` (so a fuzzer can mutate a few KiB instead of copying a 64 MiB image). When
 * `packed` is shorter than the extents (a truncating mutation) the volume ends where it runs out.
 */
export function packedSource(sizeBytes: number, extents: ReadonlyArray<{ offset: number; length: number }>, packed: Uint8Array): ByteSource {
  const placed: Array<{ offset: number; length: number; packedAt: number }> = [];
  let packedAt = 0;
  let end = sizeBytes;
  for (const extent of extents) {
    if (packedAt + extent.length > packed.length) {
      end = extent.offset + Math.max(0, packed.length - packedAt);
      placed.push({ offset: extent.offset, length: end - extent.offset, packedAt });
      break;
    }
    placed.push({ ...extent, packedAt });
    packedAt += extent.length;
  }
  return {
    sizeBytes: end,
    async readAt(offsetBytes, lengthBytes) {
      checkReadRange(this, offsetBytes, lengthBytes);
      const out = new Uint8Array(lengthBytes);
      for (const extent of placed) {
        const from = Math.max(offsetBytes, extent.offset);
        const to = Math.min(offsetBytes + lengthBytes, extent.offset + extent.length);
        if (from < to) out.set(packed.subarray(extent.packedAt + from - extent.offset, extent.packedAt + to - extent.offset), from - offsetBytes);
      }
      return out;
    },
  };
}

/** The kept extents' bytes, concatenated in order: what packedSource() takes. */
export function packExtents(fixture: NtfsFixture): Uint8Array {
  const total = fixture.extents.reduce((sum, extent) => sum + extent.length, 0);
  const packed = new Uint8Array(total);
  let at = 0;
  for (const extent of fixture.extents) {
    packed.set(fixture.image.subarray(extent.offset, extent.offset + extent.length), at);
    at += extent.length;
  }
  return packed;
}
