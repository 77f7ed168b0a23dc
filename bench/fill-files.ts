/**
 * Fills a mounted filesystem with the mix a technician's disks hold (shares of the kept bytes):
 * text and source code 35% (runs of lines from the project's node_modules; a quarter of it in
 * small files), already-compressed media 25% (zstd and gzip streams, seeded-bytes.ts), program
 * binaries 15% (real ELF files, elf-binaries.ts), zeros 10% (preallocated files, written as
 * zero bytes so they take blocks), random data 15% (encrypted containers). Temporary files, a
 * sixth of the kept bytes, are written in between and deleted at the end, after a sync, so the
 * free space between used blocks holds old data that a used-block capture must skip. Everything
 * comes from the seed; no two files share content, so chunk dedup does not flatter the numbers.
 * Used by bench/test-disk.ts and bench/change-files.ts.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { seededRandom } from '../test/helpers/seeded-random.js';
import type { BinaryFile, BinaryPool } from './elf-binaries.js';
import { compressedFrame, SeededBytes } from './seeded-bytes.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const PIECE_BYTES = 4 * MiB;
/** zstd -1 and gzip -1 shrink the corpus about 4x: this much text makes about one piece. */
const MEDIA_TEXT_BYTES = 16 * MiB;
const TEXT_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.md', '.json', '.txt', '.map']);
const ZEROS = Buffer.alloc(PIECE_BYTES);

export const CONTENT_MIX = { text: 0.35, media: 0.25, binary: 0.15, zeros: 0.1, random: 0.15 } as const;
export type ContentKind = keyof typeof CONTENT_MIX;

export interface FillPlan {
  /** Bytes that stay on the filesystem. */
  dataBytes: number;
  /** Bytes written to temporary files that are deleted again. */
  staleBytes: number;
  seed: number;
}

export interface FileJob {
  relPath: string;
  sizeBytes: number;
  kind: ContentKind;
  stale: boolean;
  /** For kind 'binary': the file copied. */
  source?: BinaryFile;
}

/** Where a filesystem's bytes come from: all of it derived from one seed. */
export interface ContentSource {
  corpus: TextCorpus;
  random: () => number;
  bytes: SeededBytes;
}

export function contentSource(corpus: TextCorpus, seed: number, label: string): ContentSource {
  return { corpus, random: seededRandom(seed), bytes: new SeededBytes(seed, label) };
}

/** Real text, cut into lines, from which any amount of unique but text-like bytes is drawn. */
export class TextCorpus {
  private constructor(
    private readonly text: Buffer,
    private readonly lineStarts: Uint32Array,
  ) {}

  static async load(root: string, maxBytes: number): Promise<TextCorpus> {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && TEXT_EXTENSIONS.has(path.extname(e.name)))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    const parts: Buffer[] = [];
    let total = 0;
    for (const file of files) {
      if (total >= maxBytes) break;
      const bytes = await readFile(file);
      parts.push(bytes);
      total += bytes.length;
    }
    const text = Buffer.concat(parts).subarray(0, maxBytes);
    const starts: number[] = [0];
    for (let at = text.indexOf(10); at !== -1 && at + 1 < text.length; at = text.indexOf(10, at + 1)) starts.push(at + 1);
    if (starts.length < 1000) throw new Error(`the text corpus under ${root} is too small (${starts.length} lines)`);
    return new TextCorpus(text, Uint32Array.from(starts));
  }

  /** `sizeBytes` of runs of 8-256 consecutive lines, each run from a random place. */
  make(sizeBytes: number, random: () => number): Buffer {
    const parts: Buffer[] = [];
    let total = 0;
    const lines = this.lineStarts.length;
    while (total < sizeBytes) {
      const first = Math.floor(random() * lines);
      const last = Math.min(lines - 1, first + 8 + Math.floor(random() * 248));
      const part = this.text.subarray(this.lineStarts[first], last > first ? this.lineStarts[last] : this.text.length);
      parts.push(part);
      total += part.length;
    }
    return Buffer.concat(parts, sizeBytes);
  }
}

const EXTENSIONS: Record<ContentKind, string> = { text: 'txt', media: 'zst', binary: 'elf', zeros: 'zero', random: 'bin' };

/** The kind a file was written as, from its name (change-files.ts rewrites files by kind). */
export function kindOfFile(name: string): ContentKind {
  const ext = path.extname(name).slice(1);
  if (ext === 'gz') return 'media';
  return (Object.keys(EXTENSIONS) as ContentKind[]).find((kind) => EXTENSIONS[kind] === ext) ?? 'random';
}

function logUniform(random: () => number, minBytes: number, maxBytes: number): number {
  return Math.round(Math.exp(Math.log(minBytes) + random() * (Math.log(maxBytes) - Math.log(minBytes))));
}

function fileName(dir: string, n: number, kind: ContentKind, random: () => number): string {
  // A quarter of the media are gzip (deflate) streams, the rest zstd.
  const ext = kind === 'media' && random() < 0.25 ? 'gz' : EXTENSIONS[kind];
  return path.join(dir, String(Math.floor(n / 100)).padStart(4, '0'), `f${n}.${ext}`);
}

/** Files of one kind, sizes spread log-uniformly, 100 to a directory, until `totalBytes` is spent. */
function jobs(dir: string, totalBytes: number, minBytes: number, maxBytes: number, kind: ContentKind, stale: boolean, random: () => number): FileJob[] {
  const out: FileJob[] = [];
  let left = totalBytes;
  while (left > 0) {
    const sizeBytes = Math.min(left, logUniform(random, minBytes, maxBytes));
    out.push({ relPath: fileName(dir, out.length, kind, random), sizeBytes, kind, stale });
    left -= sizeBytes;
  }
  return out;
}

/** The files of one filesystem, in the order they are written. Takes its binaries from `binaries`. */
export function planFiles(plan: FillPlan, binaries: BinaryPool, random: () => number): FileJob[] {
  const share = (kind: ContentKind) => Math.round(plan.dataBytes * CONTENT_MIX[kind]);
  const programs = binaries.take(share('binary'));
  const binaryBytes = programs.reduce((sum, file) => sum + file.sizeBytes, 0);
  const textBytes = share('text');
  const smallTextBytes = Math.round(textBytes / 4);
  const all: FileJob[] = [
    ...jobs('src', smallTextBytes, 1 * KiB, 256 * KiB, 'text', false, random),
    ...jobs('docs', textBytes - smallTextBytes, 256 * KiB, 16 * MiB, 'text', false, random),
    ...jobs('media', share('media'), 1 * MiB, 32 * MiB, 'media', false, random),
    ...programs.map((source, n) => ({
      relPath: fileName('programs', n, 'binary', random),
      sizeBytes: source.sizeBytes,
      kind: 'binary' as const,
      stale: false,
      source,
    })),
    ...jobs('preallocated', share('zeros'), 1 * MiB, 64 * MiB, 'zeros', false, random),
    // Random data also makes up for binaries the machine does not have enough of.
    ...jobs('containers', plan.dataBytes - textBytes - share('media') - binaryBytes - share('zeros'), 1 * MiB, 32 * MiB, 'random', false, random),
    ...jobs('tmp/media', Math.round(plan.staleBytes / 2), 1 * MiB, 16 * MiB, 'random', true, random),
    ...jobs('tmp/docs', plan.staleBytes - Math.round(plan.staleBytes / 2), 64 * KiB, 8 * MiB, 'text', true, random),
  ];
  // Interleaved, so the deleted files leave holes between kept ones, as on a disk in use.
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] as FileJob, all[i] as FileJob];
  }
  return all;
}

/** The next piece of a file of `kind`, at most `sizeBytes` long. */
function piece(kind: ContentKind, sizeBytes: number, source: ContentSource, gzip: boolean): Buffer {
  switch (kind) {
    case 'text':
      return source.corpus.make(sizeBytes, source.random);
    case 'media':
      return compressedFrame(source.corpus.make(MEDIA_TEXT_BYTES, source.random), gzip ? 'gzip' : 'zstd').subarray(0, sizeBytes);
    case 'zeros':
      return ZEROS.subarray(0, sizeBytes);
    case 'random':
    case 'binary':
      return source.bytes.next(sizeBytes);
  }
}

/**
 * Writes `kind` content over the first `sizeBytes` of `file` (created when missing, never
 * truncated, so a rewrite keeps the file's blocks). A binary is copied from `copyFrom`.
 */
export async function writeContent(file: string, kind: ContentKind, sizeBytes: number, source: ContentSource, copyFrom?: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT);
  const input = copyFrom ? await open(copyFrom, 'r') : null;
  try {
    const gzip = file.endsWith('.gz');
    for (let done = 0; done < sizeBytes; ) {
      const want = Math.min(PIECE_BYTES, sizeBytes - done);
      let bytes: Buffer;
      if (input) {
        bytes = Buffer.allocUnsafe(want);
        const { bytesRead } = await input.read(bytes, 0, want, done);
        if (bytesRead !== want) throw new Error(`${copyFrom} ended at ${done + bytesRead} bytes, expected ${sizeBytes}`);
      } else {
        bytes = piece(kind, want, source, gzip);
      }
      await handle.write(bytes, 0, bytes.length, done);
      done += bytes.length;
    }
  } finally {
    await input?.close();
    await handle.close();
  }
}

/** Writes the planned files under `root` (a mount point), syncs, and deletes the temporary ones. */
export async function fillFilesystem(
  root: string,
  files: FileJob[],
  source: ContentSource,
): Promise<{ files: number; keptFiles: number; keptBytesByKind: Record<ContentKind, number> }> {
  const made = new Set<string>();
  const keptBytesByKind: Record<ContentKind, number> = { text: 0, media: 0, binary: 0, zeros: 0, random: 0 };
  for (const job of files) {
    const dir = path.dirname(job.relPath);
    if (!made.has(dir)) {
      await mkdir(path.join(root, dir), { recursive: true });
      made.add(dir);
    }
    await writeContent(path.join(root, job.relPath), job.kind, job.sizeBytes, source, job.source?.path);
    if (!job.stale) keptBytesByKind[job.kind] += job.sizeBytes;
  }
  // On disk before they are deleted: with delayed allocation, a file deleted from the page cache
  // never reaches a block, and the free space would stay clean.
  await execa('sync', ['--file-system', root]);
  await rm(path.join(root, 'tmp'), { recursive: true, force: true });
  return { files: files.length, keptFiles: files.filter((f) => !f.stale).length, keptBytesByKind };
}
