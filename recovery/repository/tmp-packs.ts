/**
 * What an interrupted writer leaves in tmp/: files DurableFile never renamed into place. A pack
 * there is not garbage: its blobs were written in order and each carries its digest and CRC-32C,
 * so the unbroken run of good blobs at its start is sealed in place (truncated after the last good
 * blob, trailer appended, fsynced, renamed into packs/) and the next capture reuses it instead of
 * compressing and writing those chunks again. Everything else in tmp/ is removed.
 * Only a writer holding the repository lock may call these (docs/image-format.md, "Recovery").
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory } from './durable-file.js';
import { PACK_HEADER_BYTES, TRAILER_ENTRY_BYTES } from './format-constants.js';
import { packHeaderProblem, readExactly, scanBlobs, type BlobProof } from './pack-blobs.js';
import { encodeTrailerEntry, packPath, packTrailerBytes } from './pack-writer.js';

/** DurableFile names a temp file `<final name>.<12 hex digits>`. */
const PACK_TEMP_NAME = /^([0-9a-f]{32})\.pack\.[0-9a-f]{12}$/;

export interface TmpLeftover {
  name: string;
  path: string;
  sizeBytes: number;
  /** The pack id when this is an unsealed pack, else null. */
  packId: string | null;
  /** A plain file (a directory, link or FIFO there is never ours). */
  regular: boolean;
}

export async function listTmpLeftovers(repoDir: string): Promise<TmpLeftover[]> {
  const dir = path.join(repoDir, 'tmp');
  const names = await readdir(dir).catch(() => [] as string[]);
  const leftovers: TmpLeftover[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const stats = await lstat(file).catch(() => null);
    if (!stats) continue;
    leftovers.push({
      name,
      path: file,
      sizeBytes: stats.isFile() ? stats.size : 0,
      packId: stats.isFile() ? (PACK_TEMP_NAME.exec(name)?.[1] ?? null) : null,
      regular: stats.isFile(),
    });
  }
  return leftovers;
}

export interface SalvagedPack {
  packId: string;
  chunks: number;
  /** Bytes of the sealed pack. */
  sizeBytes: number;
  /** Why the good run ended before the file did (the blob the writer was writing when it stopped), or null. */
  endedBecause: string | null;
}

/**
 * Seals the good prefix of an unsealed pack in place. Returns null when nothing in it is usable
 * (the caller then removes it); each blob must pass its CRC-32C and `proof` (decompress + SHA-256).
 */
export async function salvageTmpPack(repoDir: string, leftover: TmpLeftover, proof: BlobProof): Promise<SalvagedPack | null> {
  const packId = leftover.packId;
  if (packId === null || !leftover.regular || leftover.sizeBytes <= PACK_HEADER_BYTES) return null;
  const finalPath = packPath(repoDir, packId);
  if (
    await lstat(finalPath).then(
      () => true,
      () => false,
    )
  )
    return null;
  const handle = await open(leftover.path, constants.O_RDWR | constants.O_NONBLOCK);
  let sealed = false;
  try {
    if (!(await handle.stat()).isFile()) return null;
    if (packHeaderProblem(await readExactly(handle, PACK_HEADER_BYTES, 0), packId, leftover.path) !== null) return null;
    const trailer: Buffer[] = [];
    const scan = await scanBlobs(handle, {
      limitBytes: leftover.sizeBytes,
      proof,
      stopAtFirstBad: true,
      onBlob: async (blob) => {
        const entry = Buffer.alloc(TRAILER_ENTRY_BYTES);
        encodeTrailerEntry(entry, 0, { ...blob, offsetBytes: blob.offsetBytes });
        trailer.push(entry);
      },
    });
    if (trailer.length === 0) return null;
    const end = packTrailerBytes(trailer);
    await handle.truncate(scan.goodPrefixEndBytes);
    let written = 0;
    while (written < end.length) written += (await handle.write(end, written, end.length - written, scan.goodPrefixEndBytes + written)).bytesWritten;
    await handle.sync();
    sealed = true;
    return { packId, chunks: trailer.length, sizeBytes: scan.goodPrefixEndBytes + end.length, endedBecause: scan.stoppedBecause };
  } finally {
    await handle.close();
    if (sealed) {
      await mkdir(path.dirname(finalPath), { recursive: true });
      await rename(leftover.path, finalPath);
      await fsyncDirectory(path.dirname(finalPath));
    }
  }
}

/** Removes what salvage did not move out of tmp/, and makes the removal durable. */
export async function clearTmp(repoDir: string): Promise<number> {
  const leftovers = await listTmpLeftovers(repoDir);
  for (const leftover of leftovers) await rm(leftover.path, { recursive: true, force: true });
  if (leftovers.length > 0) await fsyncDirectory(path.join(repoDir, 'tmp'));
  return leftovers.length;
}
