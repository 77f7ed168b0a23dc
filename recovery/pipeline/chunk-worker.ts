/**
 * The code each worker thread runs: hashing, zstd compression and decompression of chunks.
 *
 * It is one self-contained function (no imports, only the `load` it is given) that the pool starts
 * as eval code, so the same worker runs from the TypeScript sources under the test runner, from the
 * compiled build, and from inside the single binary, where there is no worker file on disk to point
 * at. The eval code passes its own `require` in as `load`: a bundler rewrites a free `require` in
 * this function (esbuild turns it into a helper that does not exist inside the worker).
 */

export type WorkerJob =
  | { kind: 'pack'; id: number; data: Uint8Array; level: number }
  | { kind: 'hash'; id: number; data: Uint8Array }
  | { kind: 'unpack'; id: number; stored: Uint8Array; codec: number; plainBytes: number; digest: Uint8Array };

export type WorkerAnswer =
  | { id: number; kind: 'pack'; digest: Uint8Array; zero: boolean; known: boolean; codec: number; stored: Uint8Array | null; crc32c: number; data: Uint8Array }
  | { id: number; kind: 'hash'; digest: Uint8Array; zero: boolean; data: Uint8Array }
  | { id: number; kind: 'unpack'; data: Uint8Array }
  | { id: number; kind: 'error'; reason: 'digest' | 'decompress' | 'internal'; message: string };

export interface WorkerSetup {
  zstdPath: string;
  zstdBindingPath: string;
  crcPath: string;
  /** `crc32c` (@node-rs/crc32) or `buf` (crc-32/crc32c, where the addon cannot load). */
  crcExport: 'crc32c' | 'buf';
  /** Sorted digests the repository already holds: such chunks are hashed but not compressed again. */
  known: SharedArrayBuffer | null;
}

export function chunkWorkerMain(load: NodeJS.Require): void {
  const { parentPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = load('node:crypto') as typeof import('node:crypto');
  const setup = workerData as WorkerSetup;
  const zstd = load(setup.zstdPath) as typeof import('zstd-napi');
  const binding = load(setup.zstdBindingPath) as { getFrameContentSize(frame: Uint8Array): number | null };
  const crcModule = load(setup.crcPath) as Record<string, (data: Uint8Array) => number>;
  const crc = { crc32c: crcModule[setup.crcExport]! };
  const known = setup.known === null ? new Uint8Array(0) : new Uint8Array(setup.known);
  const compressors = new Map<number, InstanceType<typeof zstd.Compressor>>();
  const decompressor = new zstd.Decompressor();

  const isKnown = (digest: Uint8Array): boolean => {
    let low = 0;
    let high = known.length / 32 - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = Buffer.compare(known.subarray(middle * 32, middle * 32 + 32), digest);
      if (order < 0) low = middle + 1;
      else if (order > 0) high = middle - 1;
      else return true;
    }
    return false;
  };
  const isZero = (data: Uint8Array): boolean => {
    const words = new BigUint64Array(data.buffer, data.byteOffset, data.byteLength >>> 3);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
    for (let i = words.length * 8; i < data.byteLength; i++) if (data[i] !== 0) return false;
    return true;
  };
  const compressorFor = (level: number) => {
    let compressor = compressors.get(level);
    if (!compressor) {
      compressor = new zstd.Compressor();
      compressor.setParameters({ compressionLevel: level });
      compressors.set(level, compressor);
    }
    return compressor;
  };

  parentPort?.on('message', (job: WorkerJob) => {
    try {
      if (job.kind === 'hash' || job.kind === 'pack') {
        // Aligned for the 8-byte zero scan: the pool always sends a whole ArrayBuffer.
        const zero = isZero(job.data);
        const digest = zero ? new Uint8Array(32) : new Uint8Array(createHash('sha256').update(job.data).digest());
        if (job.kind === 'hash') {
          parentPort.postMessage({ id: job.id, kind: 'hash', digest, zero, data: job.data }, [job.data.buffer as ArrayBuffer]);
          return;
        }
        const skip = zero || isKnown(digest);
        let stored: Uint8Array | null = null;
        let codec = 0;
        if (!skip) {
          const compressed = compressorFor(job.level).compress(job.data);
          if (compressed.byteLength < job.data.byteLength) {
            stored = new Uint8Array(compressed);
            codec = 1;
          } else {
            stored = new Uint8Array(job.data);
          }
        }
        const crc32c = stored === null ? 0 : crc.crc32c(stored) >>> 0;
        const transfer = [job.data.buffer as ArrayBuffer, ...(stored ? [stored.buffer as ArrayBuffer] : [])];
        parentPort.postMessage({ id: job.id, kind: 'pack', digest, zero, known: !zero && skip, codec, stored, crc32c, data: job.data }, transfer);
        return;
      }
      let data: Uint8Array;
      try {
        // zstd allocates what the frame header claims: a hostile frame must not claim more than the chunk.
        const claimed = job.codec === 1 ? binding.getFrameContentSize(job.stored) : job.plainBytes;
        if (claimed !== job.plainBytes) throw new Error(`its zstd frame claims ${String(claimed)} bytes instead of ${job.plainBytes}`);
        data = job.codec === 1 ? new Uint8Array(decompressor.decompress(job.stored)) : new Uint8Array(job.stored);
      } catch (error) {
        parentPort.postMessage({ id: job.id, kind: 'error', reason: 'decompress', message: (error as Error).message });
        return;
      }
      const digest = createHash('sha256').update(data).digest();
      if (data.byteLength !== job.plainBytes || !digest.equals(job.digest)) {
        parentPort.postMessage({
          id: job.id,
          kind: 'error',
          reason: 'digest',
          message:
            data.byteLength !== job.plainBytes
              ? `it decompressed to ${data.byteLength} bytes instead of ${job.plainBytes}`
              : 'its SHA-256 does not match its name',
        });
        return;
      }
      parentPort.postMessage({ id: job.id, kind: 'unpack', data }, [data.buffer as ArrayBuffer]);
    } catch (error) {
      parentPort?.postMessage({ id: job.id, kind: 'error', reason: 'internal', message: (error as Error).message });
    }
  });
}
