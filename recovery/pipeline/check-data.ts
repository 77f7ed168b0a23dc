/**
 * `check --read-data`: every blob of every pack is read, its header compared with the trailer,
 * its CRC-32C checked, and it is decompressed and re-hashed to its digest in the worker pool.
 * Packs whose trailer is damaged are walked blob by blob instead, to say how much of them is
 * still readable. Blobs are read in pack order, so the disk reads front to back.
 */
import { crc32c } from '../core/checksums.js';
import type { ReadableBlob } from '../repository/pack-blobs.js';
import { openRegularFile, packHeaderProblem, parseBlobHeader, readExactly, scanBlobs } from '../repository/pack-blobs.js';
import { BLOB_HEADER_BYTES, PACK_HEADER_BYTES, digestHex } from '../repository/format-constants.js';
import { packPath } from '../repository/pack-writer.js';
import { blobProof } from './blob-proof.js';
import type { PackSet } from './check-packs.js';
import { InFlight } from './in-flight.js';
import type { ProgressTracker } from './progress.js';
import type { WorkerPool } from './worker-pool.js';

export interface DamagedBlob {
  packId: string;
  offsetBytes: number;
  /** Hex digest the trailer (or header) names, when known. */
  digest: string | null;
  why: string;
}

export interface DataCheck {
  blobs: number;
  bytesRead: number;
  damaged: DamagedBlob[];
  /** Damaged-trailer packs: how many blobs a front-to-back walk still found good. */
  walked: Map<string, { good: number; stoppedBecause: string | null }>;
}

async function checkSoundPack(repoDir: string, packId: string, packs: PackSet, pool: WorkerPool, progress: ProgressTracker, result: DataCheck): Promise<void> {
  const entries = [...(packs.trailers.get(packId) ?? [])].sort((a, b) => a.location.offsetBytes - b.location.offsetBytes);
  const proof = blobProof(pool);
  const inFlight = new InFlight(pool.threads * 2 + 2);
  const { handle } = await openRegularFile(packPath(repoDir, packId), 'pack');
  try {
    for (const entry of entries) {
      const { location } = entry;
      const bytes = await readExactly(handle, BLOB_HEADER_BYTES + location.storedBytes, location.offsetBytes);
      result.bytesRead += bytes.length;
      const damaged = (why: string) => result.damaged.push({ packId, offsetBytes: location.offsetBytes, digest: digestHex(entry.digest), why });
      const header = parseBlobHeader(bytes.subarray(0, BLOB_HEADER_BYTES));
      const stored = bytes.subarray(BLOB_HEADER_BYTES);
      if (typeof header === 'string') damaged(header);
      else if (
        !header.digest.equals(entry.digest) ||
        header.codec !== location.codec ||
        header.storedBytes !== location.storedBytes ||
        header.plainBytes !== location.plainBytes
      )
        damaged('its header disagrees with the trailer');
      else if (stored.length !== location.storedBytes) damaged('the pack ends inside it');
      else if (crc32c(stored) !== header.crc32c || header.crc32c !== entry.crc32c) damaged('its CRC-32C does not match');
      else {
        const blob: ReadableBlob = { ...header, offsetBytes: location.offsetBytes, stored };
        await inFlight.start(async () => {
          const why = await proof(blob);
          if (why !== null) damaged(why);
          result.blobs++;
          progress.advance(bytes.length);
        });
        continue;
      }
      result.blobs++;
      progress.advance(bytes.length);
    }
    await inFlight.drain();
  } finally {
    await handle.close();
  }
}

async function walkDamagedPack(repoDir: string, packId: string, pool: WorkerPool, progress: ProgressTracker, result: DataCheck): Promise<void> {
  const file = packPath(repoDir, packId);
  const { handle, sizeBytes } = await openRegularFile(file, 'pack');
  try {
    // A pack of a newer format is not damaged, only unknown: its blobs are not ours to judge.
    if (packHeaderIsNewer(await readExactly(handle, PACK_HEADER_BYTES, 0), packId, file)) return;
    const scan = await scanBlobs(handle, {
      limitBytes: sizeBytes,
      proof: blobProof(pool),
      stopAtFirstBad: false,
      onBlob: async (blob) => {
        result.blobs++;
        result.bytesRead += BLOB_HEADER_BYTES + blob.storedBytes;
      },
    });
    for (const bad of scan.damaged) result.damaged.push({ packId, offsetBytes: bad.offsetBytes, digest: null, why: bad.why });
    result.walked.set(packId, { good: scan.goodBlobs, stoppedBecause: scan.stoppedBecause });
    progress.advance(sizeBytes);
  } finally {
    await handle.close();
  }
}

function packHeaderIsNewer(header: Buffer, packId: string, file: string): boolean {
  try {
    packHeaderProblem(header, packId, file);
    return false;
  } catch {
    return true;
  }
}

export async function checkPackData(repoDir: string, packs: PackSet, pool: WorkerPool, progress: ProgressTracker): Promise<DataCheck> {
  const result: DataCheck = { blobs: 0, bytesRead: 0, damaged: [], walked: new Map() };
  const ids = [...packs.sizes.keys()].sort();
  progress.startPhase(
    'readback',
    [...packs.sizes.values()].reduce((sum, n) => sum + n, 0),
  );
  for (const [i, id] of ids.entries()) {
    progress.startItem(i + 1, ids.length, `pack ${id}`, packs.sizes.get(id) ?? 0);
    if (packs.damaged.has(id)) await walkDamagedPack(repoDir, id, pool, progress, result);
    else await checkSoundPack(repoDir, id, packs, pool, progress, result);
  }
  return result;
}
