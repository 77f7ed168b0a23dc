/**
 * Fuzzing checksummed formats mostly tests the checksum: nearly every mutation is caught there.
 * To reach the field checks behind it, these fixers recompute a format's checksum over the mutated
 * bytes first, the way a hostile image would be crafted. Each fixer works in place and skips a
 * structure the mutation cut off.
 */
import { bufferSource, type ByteSource } from '../../../../recovery/core/byte-source.js';
import type { Prober } from '../../../../recovery/filesystems/filesystem-types.js';
import { countingSource, fuzzParser } from '../../../helpers/fuzz.js';
import { crc32cReference, sha256 } from './builders/image-writer.js';
import { lvmCrcReference, mdV090Checksum, mdV1Checksum } from './builders/linux-images.js';
import { fletcher64 } from './builders/other-images.js';

export type Fixer = (bytes: Uint8Array) => void;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const fixBtrfs: Fixer = (bytes) => {
  const sb = bytes.subarray(65536, 65536 + 4096);
  if (sb.length === 4096) view(sb).setUint32(0, crc32cReference(sb.subarray(32)), true);
};

export const fixXfs: Fixer = (bytes) => {
  if (bytes.length < 512) return;
  bytes.fill(0, 224, 228);
  view(bytes).setUint32(224, crc32cReference(bytes.subarray(0, 512)), true);
};

export const fixApfs: Fixer = (bytes) => {
  if (bytes.length >= 4096) view(bytes).setBigUint64(0, fletcher64(bytes.subarray(8, 4096)), true);
};

export const fixMdV1 =
  (at: number): Fixer =>
  (bytes) => {
    const sb = bytes.subarray(at, at + 4096);
    if (sb.length === 4096) view(sb).setUint32(216, mdV1Checksum(sb), true);
  };

export const fixMdV090 =
  (at: number): Fixer =>
  (bytes) => {
    const sb = bytes.subarray(at, at + 4096);
    if (sb.length === 4096) view(sb).setUint32(38 * 4, mdV090Checksum(sb), true);
  };

export const fixLvm =
  (sector: number): Fixer =>
  (bytes) => {
    const label = bytes.subarray(sector * 512, sector * 512 + 512);
    if (label.length === 512) view(label).setUint32(16, lvmCrcReference(label.subarray(20)), true);
  };

/** LUKS2 header copies of 16 KiB at the given offsets (as cryptsetup writes them by default). */
export const fixLuks2 =
  (offsets: number[]): Fixer =>
  (bytes) => {
    for (const at of offsets) {
      const area = bytes.subarray(at, at + 16384);
      if (area.length < 16384) continue;
      area.fill(0, 448, 512);
      area.set(sha256(area), 448);
    }
  };

export interface FuzzCase {
  name: string;
  original: Uint8Array;
  prober: Prober;
  from: number;
  to: number;
  iterations: number;
  fixer?: Fixer;
  /** Read bounds for one probe (the fixer's own full read is added on top). */
  maxReads?: number;
  maxBytesRead?: number;
}

/**
 * fuzzParser over one case. With a fixer, the parser reads the whole mutated input once, repairs
 * its checksums and probes a bounded source over the repaired copy. Returns fuzzParser's counts
 * plus how many mutations were still recognised (proof the fuzzer got past the magic).
 */
export async function fuzzProber(c: FuzzCase, seed: number): Promise<{ accepted: number; rejected: number; recognised: number }> {
  const maxReads = c.maxReads ?? 32;
  const maxBytesRead = c.maxBytesRead ?? 256 * 1024;
  let recognised = 0;
  const parse = async (source: ByteSource): Promise<unknown> => {
    let target: ByteSource = source;
    if (c.fixer) {
      const copy = (await source.readAt(0, source.sizeBytes)).slice();
      c.fixer(copy);
      target = countingSource(bufferSource(copy), { maxReads, maxBytesRead });
    }
    const info = await c.prober.probe(target);
    if (info !== null) recognised++;
    return info;
  };
  const counts = await fuzzParser({
    original: c.original,
    seed,
    iterations: c.iterations,
    parse,
    maxReads: maxReads + 1,
    maxBytesRead: maxBytesRead + c.original.length,
    from: c.from,
    to: c.to,
  });
  return { ...counts, recognised };
}
