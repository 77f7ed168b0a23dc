/**
 * A repository directory: its config, index, packs and snapshot manifests
 * (layout and ordering rules in docs/image-format.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../core/errors.js';
import { ChunkIndex } from './chunk-index.js';
import { writeDurable } from './durable-file.js';
import { DEFAULT_CHUNK_SIZE_BYTES, REPOSITORY_VERSION, isValidChunkSize } from './format-constants.js';
import { openRegularFile, readExactly } from './pack-blobs.js';
import { readPackTrailer } from './pack-reader.js';
import { parseManifest, serializeManifest } from './snapshot-manifest.js';
import type { Snapshot, SnapshotContent } from './snapshot-types.js';

export interface RepositoryConfig {
  format: 'lifeboat-repository';
  version: number;
  id: string;
  createdAt: string;
  chunkSizeBytes: number;
}

const CONFIG_FILE = 'repository.json';
const INDEX_FILE = 'index';
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
/** 2^25 entries (a 128 TiB of distinct 4 MiB chunks) and their pack table: far above any real index. */
const MAX_INDEX_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/**
 * A directory where a first capture was killed while writing repository.json: only tmp/, holding
 * nothing or that file's temp copy. It is no repository yet, and no one else's data either.
 */
export async function onlyAnInterruptedCreation(dir: string, entries: string[]): Promise<boolean> {
  if (entries.length !== 1 || entries[0] !== 'tmp') return false;
  const inTmp = await readdir(path.join(dir, 'tmp')).catch(() => null);
  return inTmp?.every((name) => /^repository\.json\.[0-9a-f]{12}$/.test(name)) === true;
}

function snapshotTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class Repository {
  private constructor(
    readonly dir: string,
    readonly config: RepositoryConfig,
  ) {}

  /** Opens an existing repository. */
  static async open(dir: string): Promise<Repository> {
    let text;
    try {
      const { handle, sizeBytes } = await openRegularFile(path.join(dir, CONFIG_FILE), 'repository description');
      try {
        // repository.json is about 200 bytes; anything big is not one, and must not be read whole.
        text = (await readExactly(handle, Math.min(sizeBytes, 64 * 1024), 0)).toString('utf8');
      } finally {
        await handle.close();
      }
    } catch (cause) {
      if (cause instanceof LifeboatError)
        throw new LifeboatError('NOT_A_REPOSITORY', `${cause.message.replace(/;.*$/, '')}; the repository is damaged.`, { cause });
      const code = (cause as NodeJS.ErrnoException).code;
      throw new LifeboatError(
        'NOT_A_REPOSITORY',
        code === 'ENOENT'
          ? `${dir} is not a Lifeboat repository (it has no ${CONFIG_FILE}); check the path.`
          : `${dir} cannot be read (${code ?? String(cause)}).`,
        { cause },
      );
    }
    let config: RepositoryConfig;
    try {
      config = JSON.parse(text) as RepositoryConfig;
    } catch (cause) {
      throw new LifeboatError('NOT_A_REPOSITORY', `${path.join(dir, CONFIG_FILE)} is not valid JSON; the repository is damaged.`, { cause });
    }
    // Valid JSON may still be null or a number; reading a field of null would throw a TypeError.
    if (typeof config !== 'object' || config === null || config.format !== 'lifeboat-repository')
      throw new LifeboatError('NOT_A_REPOSITORY', `${dir} is not a Lifeboat repository (${CONFIG_FILE} names another format).`);
    if (!Number.isSafeInteger(config.version) || config.version > REPOSITORY_VERSION) {
      throw new LifeboatError(
        'UNSUPPORTED_FORMAT',
        `The repository ${dir} has layout version ${String(config.version)}, written by a newer Lifeboat; use that version or newer.`,
      );
    }
    if (!isValidChunkSize(config.chunkSizeBytes))
      throw new LifeboatError('CORRUPT_IMAGE', `${path.join(dir, CONFIG_FILE)} gives an invalid chunk size (${String(config.chunkSizeBytes)}).`);
    return new Repository(dir, config);
  }

  /** Opens the repository in `dir`, creating it when the directory is missing or empty. */
  static async openOrCreate(dir: string, chunkSizeBytes = DEFAULT_CHUNK_SIZE_BYTES): Promise<{ repository: Repository; created: boolean }> {
    if (!isValidChunkSize(chunkSizeBytes))
      throw new LifeboatError('USAGE', `The chunk size must be a power of two from 64 KiB to 64 MiB, not ${chunkSizeBytes}.`);
    const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw new LifeboatError('NOT_A_REPOSITORY', `${dir} cannot be read (${error.code ?? error.message}).`, { cause: error });
    });
    if (entries?.includes(CONFIG_FILE)) return { repository: await Repository.open(dir), created: false };
    if (entries !== null && entries.length > 0 && !(await onlyAnInterruptedCreation(dir, entries))) {
      throw new LifeboatError(
        'NOT_A_REPOSITORY',
        `${dir} already holds other files and is not a Lifeboat repository; choose an empty or new directory for a new repository.`,
      );
    }
    await mkdir(dir, { recursive: true });
    const config: RepositoryConfig = {
      format: 'lifeboat-repository',
      version: REPOSITORY_VERSION,
      id: randomBytes(16).toString('hex'),
      createdAt: new Date().toISOString(),
      chunkSizeBytes,
    };
    await writeDurable(dir, path.join(dir, CONFIG_FILE), Buffer.from(`${JSON.stringify(config, null, 2)}\n`));
    return { repository: new Repository(dir, config), created: true };
  }

  get indexFile(): string {
    return path.join(this.dir, INDEX_FILE);
  }

  /** The index, or an empty one when the repository has none yet. */
  async loadIndex(): Promise<ChunkIndex> {
    const file = this.indexFile;
    let opened;
    try {
      opened = await openRegularFile(file, 'repository index');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ChunkIndex.empty();
      throw error;
    }
    try {
      if (opened.sizeBytes > MAX_INDEX_BYTES)
        throw new LifeboatError(
          'CORRUPT_IMAGE',
          `The repository index ${file} is ${opened.sizeBytes} bytes, more than an index can be; rebuild it with \`lifeboat repair\`.`,
        );
      return ChunkIndex.parse(await readExactly(opened.handle, opened.sizeBytes, 0), file);
    } finally {
      await opened.handle.close();
    }
  }

  /** `beforeRename` runs when the new index is durable in tmp/ and the old one still in place (each writer's failpoint). */
  async writeIndex(index: ChunkIndex, beforeRename?: () => void): Promise<void> {
    await writeDurable(this.dir, path.join(this.dir, INDEX_FILE), index.serialize(), beforeRename);
  }

  /** Every sealed pack in packs/, by id. */
  async listPacks(): Promise<string[]> {
    const root = path.join(this.dir, 'packs');
    const ids: string[] = [];
    for (const sub of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(root, sub)).catch(() => [] as string[])) {
        const match = /^([0-9a-f]{32})\.pack$/.exec(name);
        if (match?.[1]?.startsWith(sub)) ids.push(match[1]);
      }
    }
    return ids.sort();
  }

  /**
   * Adds to `index` the chunks of sealed packs it does not list: packs a crashed capture made
   * durable before it could write the index. Damaged packs are skipped; returns what was adopted.
   */
  async adoptUnindexedPacks(index: ChunkIndex): Promise<{ packs: number; chunks: number; skipped: string[] }> {
    const known = new Set(index.packs);
    let packs = 0;
    let chunks = 0;
    const skipped: string[] = [];
    for (const id of await this.listPacks()) {
      if (known.has(id)) continue;
      try {
        const entries = await readPackTrailer(this.dir, id);
        for (const entry of entries) index.add(entry.digest, entry.location);
        packs++;
        chunks += entries.length;
      } catch (error) {
        skipped.push(error instanceof Error ? error.message : String(error));
      }
    }
    return { packs, chunks, skipped };
  }

  /** `beforeRename` runs when the manifest is durable in tmp/ and not yet a snapshot (capture's failpoint). */
  async writeSnapshot(content: SnapshotContent, beforeRename?: () => void): Promise<Snapshot> {
    const { bytes, id } = serializeManifest(content);
    const file = path.join(this.dir, 'snapshots', `${snapshotTime(content.description.createdAt)}-${id}.snapshot`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeDurable(this.dir, file, bytes, beforeRename);
    return { ...content, id, file };
  }

  /** Manifest files, oldest first (names start with the capture time). */
  async snapshotFiles(): Promise<string[]> {
    const dir = path.join(this.dir, 'snapshots');
    const names = await readdir(dir).catch(() => [] as string[]);
    return names
      .filter((name) => /^\d{8}T\d{6}Z-[0-9a-f]{16}\.snapshot$/.test(name))
      .sort()
      .map((name) => path.join(dir, name));
  }

  async readSnapshot(file: string): Promise<Snapshot> {
    const { handle, sizeBytes } = await openRegularFile(file, 'snapshot manifest');
    try {
      if (sizeBytes > MAX_MANIFEST_BYTES)
        throw new LifeboatError('CORRUPT_IMAGE', `The snapshot manifest ${file} is ${sizeBytes} bytes, more than a manifest can be; it is damaged.`);
      const parsed = parseManifest(await readExactly(handle, sizeBytes, 0), file);
      return { ...parsed, file };
    } finally {
      await handle.close();
    }
  }

  /** Every readable snapshot, oldest first, plus a sentence for each damaged manifest. */
  async listSnapshots(): Promise<{ snapshots: Snapshot[]; damaged: string[] }> {
    const snapshots: Snapshot[] = [];
    const damaged: string[] = [];
    for (const file of await this.snapshotFiles()) {
      try {
        snapshots.push(await this.readSnapshot(file));
      } catch (error) {
        damaged.push(error instanceof Error ? error.message : String(error));
      }
    }
    return { snapshots, damaged };
  }

  /** A snapshot by unique id prefix, or 'latest' (the newest manifest; refused if it is damaged). */
  async findSnapshot(idOrLatest = 'latest'): Promise<Snapshot> {
    // The newest manifest, even when damaged: silently restoring an older snapshot would surprise more than an error.
    return this.checkedSnapshot(await this.findSnapshotFile(idOrLatest));
  }

  /** The manifest file a user's id prefix (or 'latest') names, found by file name alone, so a damaged manifest can be named too. */
  async findSnapshotFile(idOrLatest = 'latest'): Promise<string> {
    const files = await this.snapshotFiles();
    if (files.length === 0) throw new LifeboatError('SNAPSHOT_NOT_FOUND', `The repository ${this.dir} holds no snapshot yet; capture one first.`);
    if (idOrLatest === 'latest') return files[files.length - 1] as string;
    const wanted = idOrLatest.toLowerCase();
    if (!/^[0-9a-f]{4,16}$/.test(wanted)) throw new LifeboatError('USAGE', `"${idOrLatest}" is not a snapshot id (4 to 16 hex digits, or latest).`);
    const matches = files.filter((file) => (/-([0-9a-f]{16})\.snapshot$/.exec(file)?.[1] ?? '').startsWith(wanted));
    if (matches.length === 0)
      throw new LifeboatError(
        'SNAPSHOT_NOT_FOUND',
        `No snapshot in ${this.dir} has an id starting with ${wanted}; list them with \`lifeboat snapshots --repo ${this.dir}\`.`,
      );
    if (matches.length > 1) throw new LifeboatError('SNAPSHOT_NOT_FOUND', `${matches.length} snapshots have ids starting with ${wanted}; give more digits.`);
    return matches[0] as string;
  }

  /** Reads a manifest and checks that its name carries its own id (a renamed or swapped file is refused). */
  private async checkedSnapshot(file: string): Promise<Snapshot> {
    const snapshot = await this.readSnapshot(file);
    if (!snapshot.file.endsWith(`-${snapshot.id}.snapshot`))
      throw new LifeboatError('CORRUPT_IMAGE', `The snapshot file ${snapshot.file} does not hold the snapshot its name says (${snapshot.id}).`);
    return snapshot;
  }
}
