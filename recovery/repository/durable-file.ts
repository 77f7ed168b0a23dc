/**
 * Files that appear whole or not at all: written under tmp/, fsynced, renamed into place, and the
 * receiving directory fsynced so the rename itself survives a power cut (ordering rules in
 * docs/image-format.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';

export async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory as a file (Node gets EISDIR or EPERM), and NTFS journals the
  // rename itself: there is nothing to flush there.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A file being written under `tmp/`; commit() moves it to its final path durably. */
export class DurableFile {
  private constructor(
    readonly handle: FileHandle,
    private readonly tempPath: string,
    private readonly finalPath: string,
  ) {}

  static async create(repoDir: string, finalPath: string): Promise<DurableFile> {
    const tmpDir = path.join(repoDir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tempPath = path.join(tmpDir, `${path.basename(finalPath)}.${randomBytes(6).toString('hex')}`);
    const handle = await open(tempPath, 'wx');
    return new DurableFile(handle, tempPath, finalPath);
  }

  async write(data: Uint8Array, positionBytes: number): Promise<void> {
    let done = 0;
    while (done < data.byteLength) {
      const { bytesWritten } = await this.handle.write(data, done, data.byteLength - done, positionBytes + done);
      if (bytesWritten === 0) throw new LifeboatError('IO_ERROR', `Writing ${this.finalPath} made no progress; is the disk full?`);
      done += bytesWritten;
    }
  }

  /** `beforeRename` runs once the file is durable under tmp/ and not yet in place (a failpoint's spot). */
  async commit(beforeRename?: () => void): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    beforeRename?.();
    await mkdir(path.dirname(this.finalPath), { recursive: true });
    await rename(this.tempPath, this.finalPath);
    await fsyncDirectory(path.dirname(this.finalPath));
  }

  /** Drops the file (a failed or cancelled write); never throws. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true }).catch(() => undefined);
  }
}

/** Writes a small file whole, durably. */
export async function writeDurable(repoDir: string, finalPath: string, data: Uint8Array, beforeRename?: () => void): Promise<void> {
  const file = await DurableFile.create(repoDir, finalPath);
  try {
    await file.write(data, 0);
    await file.commit(beforeRename);
  } catch (error) {
    await file.abandon();
    throw repositoryWriteError(error, finalPath);
  }
}

export function repositoryWriteError(error: unknown, file: string): unknown {
  if (error instanceof LifeboatError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return new LifeboatError('IO_ERROR', `The repository's disk is full while writing ${file}; free space or choose another place for the image.`, {
      cause: error,
    });
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new LifeboatError(
      'PERMISSION_DENIED',
      `Lifeboat cannot write ${file} (${code === 'EROFS' ? 'read-only filesystem' : 'permission denied'}); choose a writable place for the image.`,
      { cause: error },
    );
  }
  return new LifeboatError('IO_ERROR', `Writing ${file} failed: ${(error as Error).message}.`, { cause: error });
}
