/**
 * The FAT and exFAT base images (real mkfs.fat/mtools and mkfs.exfat/exfat-fuse output, see
 * test/fixtures/hostile/fat/make-bases.sh) and the patches that turn them into hostile inputs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { checkReadRange, type ByteSource } from '../../../../recovery/core/byte-source.js';
import { bootRegionChecksum } from '../../../../recovery/filesystems/exfat/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, '../../../fixtures/hostile');

export type Area = 'fat' | 'exfat';

export interface BaseFacts {
  version: string;
  label: string;
  uuid: string;
  sizeBytes: number;
  blockSizeBytes: number;
  /** Sectors in use, counted by hand from fsck.fat / dump.exfat (metadata + used clusters). */
  usedSectors: number;
  /** Bits set in partclone's bitmap for the same image, measured when the base was made. */
  partcloneUsedSectors: number;
}

export interface Patch {
  offset: number;
  size: 1 | 2 | 4;
  value: number;
}

export interface HostileCase {
  name: string;
  base: string;
  exercises: string;
  patches?: Patch[];
  truncateTo?: number;
  /** exFAT: recompute the main boot region's checksum after patching, so the patch is not bypassed via the backup. */
  fixChecksum?: boolean;
  /** True when the prober succeeds and only the used-block mapper fails. */
  probes?: boolean;
  /** null: the prober must answer "not this filesystem". */
  code: string | null;
  message?: string;
}

export interface CaseFile {
  bases: Record<string, BaseFacts>;
  cases: HostileCase[];
}

export function loadCases(area: Area): CaseFile {
  return JSON.parse(readFileSync(path.join(FIXTURES, area, 'hostile-cases.json'), 'utf8')) as CaseFile;
}

const cache = new Map<string, Uint8Array>();

/** A base image, decompressed (a fresh copy each call, so callers may patch it). */
export function loadBase(area: Area, name: string): Uint8Array {
  let bytes = cache.get(name);
  if (bytes === undefined) {
    bytes = new Uint8Array(gunzipSync(readFileSync(path.join(FIXTURES, area, `${name}.img.gz`))));
    cache.set(name, bytes);
  }
  return bytes.slice();
}

export function patch(bytes: Uint8Array, { offset, size, value }: Patch): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 1) view.setUint8(offset, value);
  else if (size === 2) view.setUint16(offset, value, true);
  else view.setUint32(offset, value >>> 0, true);
}

/** Rewrites the checksum sector of the main exFAT boot region (512-byte sectors) to match its contents. */
export function fixExfatChecksum(bytes: Uint8Array, sectorBytes = 512): void {
  if (bytes.length < sectorBytes * 12) return;
  const sum = bootRegionChecksum(bytes, sectorBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = sectorBytes * 11; at < sectorBytes * 12; at += 4) view.setUint32(at, sum, true);
}

export function applyCase(area: Area, hostile: HostileCase): Uint8Array {
  let bytes = loadBase(area, hostile.base);
  for (const p of hostile.patches ?? []) patch(bytes, p);
  if (hostile.fixChecksum) fixExfatChecksum(bytes);
  if (hostile.truncateTo !== undefined) bytes = bytes.slice(0, hostile.truncateTo);
  return bytes;
}

/**
 * `source` seen as `sizeBytes` long, reading zeros past its end: lets a fuzz test mutate only the
 * metadata at the head of a big image (copying all of it every iteration would be slow) while the
 * parser still sees the filesystem's full size.
 */
export function zeroPadded(source: ByteSource, sizeBytes: number): ByteSource {
  return {
    sizeBytes,
    async readAt(offsetBytes, lengthBytes) {
      checkReadRange(this, offsetBytes, lengthBytes);
      const out = new Uint8Array(lengthBytes);
      const inside = Math.max(0, Math.min(lengthBytes, source.sizeBytes - offsetBytes));
      if (inside > 0) out.set(await source.readAt(offsetBytes, inside), 0);
      return out;
    },
  };
}
