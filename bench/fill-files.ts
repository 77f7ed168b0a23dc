/**
 * Fills a mounted filesystem with data that compresses like a real one: a third random bytes
 * (media, archives), two thirds text made of runs of lines from the project's node_modules
 * (source code, documents), in many small files and some large ones. Temporary files are written
 * in between and deleted at the end, after a sync, so the free space between used blocks holds
 * old data that a used-block capture must skip. No two files share content, so chunk dedup does
 * not flatter the numbers. Used by bench/test-disk.ts.
 */
import { randomFillSync } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { seededRandom } from '../test/helpers/seeded-random.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const PIECE_BYTES = 4 * MiB;
const TEXT_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.md', '.json', '.txt', '.map']);

export interface FillPlan {
  /** Bytes that stay on the filesystem. */
  dataBytes: number;
  /** Bytes written to temporary files that are deleted again. */
  staleBytes: number;
  seed: number;
}

interface FileJob {
  relPath: string;
  sizeBytes: number;
  kind: 'text' | 'random';
  stale: boolean;
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

function logUniform(random: () => number, minBytes: number, maxBytes: number): number {
  return Math.round(Math.exp(Math.log(minBytes) + random() * (Math.log(maxBytes) - Math.log(minBytes))));
}

/** Files of one kind, sizes spread log-uniformly, 100 to a directory, until `totalBytes` is spent. */
function jobs(dir: string, totalBytes: number, minBytes: number, maxBytes: number, kind: FileJob['kind'], stale: boolean, random: () => number): FileJob[] {
  const out: FileJob[] = [];
  let left = totalBytes;
  while (left > 0) {
    const sizeBytes = Math.min(left, logUniform(random, minBytes, maxBytes));
    const n = out.length;
    out.push({ relPath: path.join(dir, String(Math.floor(n / 100)).padStart(4, '0'), `f${n}.${kind === 'text' ? 'txt' : 'bin'}`), sizeBytes, kind, stale });
    left -= sizeBytes;
  }
  return out;
}

function planFiles(plan: FillPlan, random: () => number): FileJob[] {
  const randomBytes = Math.round(plan.dataBytes / 3);
  const textBytes = plan.dataBytes - randomBytes;
  const smallTextBytes = Math.round(textBytes / 4);
  const all = [
    ...jobs('media', randomBytes, 1 * MiB, 32 * MiB, 'random', false, random),
    ...jobs('src', smallTextBytes, 1 * KiB, 256 * KiB, 'text', false, random),
    ...jobs('docs', textBytes - smallTextBytes, 256 * KiB, 16 * MiB, 'text', false, random),
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

async function writeJob(root: string, job: FileJob, corpus: TextCorpus, random: () => number): Promise<void> {
  const handle = await open(path.join(root, job.relPath), 'w');
  try {
    for (let done = 0; done < job.sizeBytes; ) {
      const size = Math.min(PIECE_BYTES, job.sizeBytes - done);
      const piece = job.kind === 'text' ? corpus.make(size, random) : randomFillSync(Buffer.allocUnsafe(size));
      await handle.write(piece);
      done += size;
    }
  } finally {
    await handle.close();
  }
}

/** Writes the plan's files under `root` (a mount point), syncs, and deletes the temporary ones. */
export async function fillFilesystem(root: string, plan: FillPlan, corpus: TextCorpus): Promise<{ files: number; keptFiles: number }> {
  const random = seededRandom(plan.seed);
  const files = planFiles(plan, random);
  const made = new Set<string>();
  for (const job of files) {
    const dir = path.dirname(job.relPath);
    if (!made.has(dir)) {
      await mkdir(path.join(root, dir), { recursive: true });
      made.add(dir);
    }
    await writeJob(root, job, corpus, random);
  }
  // On disk before they are deleted: with delayed allocation, a file deleted from the page cache
  // never reaches a block, and the free space would stay clean.
  await execa('sync', ['--file-system', root]);
  await rm(path.join(root, 'tmp'), { recursive: true, force: true });
  return { files: files.length, keptFiles: files.filter((f) => !f.stale).length };
}
