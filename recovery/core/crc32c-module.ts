/**
 * Which CRC-32C implementation this process uses, decided once. The native addon (@node-rs/crc32,
 * the CPU's CRC instruction) is six times faster, but a prebuilt addon can fail to load: the
 * Windows one needs the Visual C++ runtime, which a clean Windows or WinPE may lack. Then the pure
 * JavaScript crc-32 package computes the same values, so Lifeboat still starts and reads and
 * writes the same images. Worker threads load the same module by its path.
 */
import { createRequire } from 'node:module';

/** Both take the previous finished CRC as the running value (0 to start), as zlib's crc32 does. */
export type Crc32cFunction = (bytes: Uint8Array, previous?: number) => number;

export interface Crc32cModule {
  /** What a worker thread passes to require() to load the same implementation. */
  path: string;
  /** The export that computes it: `crc32c` (@node-rs/crc32) or `buf` (crc-32/crc32c). */
  exportName: 'crc32c' | 'buf';
  native: boolean;
  crc32c: Crc32cFunction;
  /** Why the native addon is not used, when it is not. */
  fallbackReason?: string;
}

let chosen: Crc32cModule | undefined;

export function crc32cModule(): Crc32cModule {
  chosen ??= pick(createRequire(import.meta.url), process.env['LIFEBOAT_CRC32C'] === 'js');
  return chosen;
}

/** Exported for the test that proves both give the same values; `forceJs` skips the addon. */
export function pick(require: NodeJS.Require, forceJs: boolean): Crc32cModule {
  let reason = 'LIFEBOAT_CRC32C=js';
  if (!forceJs) {
    try {
      const path = require.resolve('@node-rs/crc32');
      const native = require(path) as { crc32c: (bytes: Uint8Array, previous?: number) => number };
      return { path, exportName: 'crc32c', native: true, crc32c: (bytes, previous) => native.crc32c(bytes, previous) >>> 0 };
    } catch (cause) {
      reason = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
    }
  }
  const path = require.resolve('crc-32/crc32c');
  const js = require(path) as { buf: (bytes: Uint8Array, seed?: number) => number };
  return { path, exportName: 'buf', native: false, crc32c: (bytes, previous) => js.buf(bytes, previous ?? 0) >>> 0, fallbackReason: reason };
}
