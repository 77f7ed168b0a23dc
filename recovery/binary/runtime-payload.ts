/**
 * The files the single binary carries and must put on disk before the app can run: the bundled app
 * (an ES module, so it cannot run from the SEA's CommonJS main), the zstd addon with the little
 * JavaScript that loads it, and the native helper program. Pure: the build and the launcher share
 * this description, and the tests check it without a binary.
 */
import { createHash } from 'node:crypto';

export const PAYLOAD_SCHEMA = 'lifeboat.payload/1';

export interface PayloadFile {
  /** Path inside the private run directory, always with forward slashes. */
  path: string;
  /** 0o755 for programs, 0o644 for everything else. */
  mode: number;
  offset: number;
  sizeBytes: number;
  sha256: string;
}

export interface PayloadManifest {
  schema: typeof PAYLOAD_SCHEMA;
  /** The file the launcher imports to start the app. */
  entry: string;
  /** The file the app is told is its native helper (LIFEBOAT_HELPER). */
  helper: string;
  files: PayloadFile[];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Lays files end to end and describes them; the build calls this. */
export function packPayload(
  entry: string,
  helper: string,
  files: Array<{ path: string; mode: number; bytes: Uint8Array }>,
): { manifest: PayloadManifest; blob: Buffer } {
  const described: PayloadFile[] = [];
  let offset = 0;
  for (const file of files) {
    checkRelativePath(file.path);
    described.push({ path: file.path, mode: file.mode, offset, sizeBytes: file.bytes.length, sha256: sha256Hex(file.bytes) });
    offset += file.bytes.length;
  }
  const manifest: PayloadManifest = { schema: PAYLOAD_SCHEMA, entry, helper, files: described };
  checkManifest(manifest, offset);
  return { manifest, blob: Buffer.concat(files.map((file) => file.bytes)) };
}

/**
 * Every file's bytes, checked against the manifest's SHA-256. A mismatch means the binary itself is
 * damaged (a bad copy or a failing stick), which is worth saying plainly instead of crashing later.
 */
export function* payloadFiles(manifest: PayloadManifest, blob: Buffer): Generator<PayloadFile & { bytes: Buffer }> {
  checkManifest(manifest, blob.length);
  for (const file of manifest.files) {
    const bytes = blob.subarray(file.offset, file.offset + file.sizeBytes);
    if (sha256Hex(bytes) !== file.sha256) throw new Error(`its embedded file ${file.path} does not match its SHA-256`);
    yield { ...file, bytes };
  }
}

function checkManifest(manifest: PayloadManifest, blobBytes: number): void {
  if (manifest.schema !== PAYLOAD_SCHEMA) throw new Error(`its payload has schema ${String(manifest.schema)}, not ${PAYLOAD_SCHEMA}`);
  const paths = new Set<string>();
  for (const file of manifest.files) {
    checkRelativePath(file.path);
    if (paths.has(file.path)) throw new Error(`its payload lists ${file.path} twice`);
    paths.add(file.path);
    if (
      !Number.isSafeInteger(file.offset) ||
      !Number.isSafeInteger(file.sizeBytes) ||
      file.offset < 0 ||
      file.sizeBytes < 0 ||
      file.offset + file.sizeBytes > blobBytes
    ) {
      throw new Error(`its payload places ${file.path} outside the ${blobBytes} bytes it carries`);
    }
  }
  for (const needed of [manifest.entry, manifest.helper]) if (!paths.has(needed)) throw new Error(`its payload lacks ${needed}`);
}

/** Payload paths stay inside the run directory: relative, no `..`, no empty parts. */
function checkRelativePath(file: string): void {
  const parts = file.split('/');
  if (file.startsWith('/') || file.includes('\\') || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`its payload names an unsafe path: ${JSON.stringify(file)}`);
  }
}
