/**
 * Proving a stored blob in a worker thread: decompress it (refusing a frame that claims another
 * size) and compare the SHA-256 of the plaintext with the blob's name. Salvage, repair and
 * `check --read-data` accept a blob only after this.
 */
import type { BlobProof } from '../repository/pack-blobs.js';
import type { WorkerPool } from './worker-pool.js';

export function blobProof(pool: WorkerPool): BlobProof {
  return async (blob) => {
    // A copy goes to the worker: the caller may still write the stored bytes somewhere.
    const answer = await pool.run({
      kind: 'unpack',
      stored: new Uint8Array(blob.stored),
      codec: blob.codec,
      plainBytes: blob.plainBytes,
      digest: new Uint8Array(blob.digest),
    });
    if (answer.kind === 'unpack') return null;
    return answer.kind === 'error' ? answer.message : `a worker answered ${answer.kind}`;
  };
}
