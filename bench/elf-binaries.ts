/**
 * Program binaries for the bench disks: real ELF files of this machine (executables and shared
 * libraries under /usr/bin, /usr/sbin and /usr/lib), copied in a seeded order drawn from the
 * list sorted by path, so the same machine and seed give the same files. Another machine has
 * other binaries: the numbers are comparable between tools on one machine, not across machines.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const ROOTS = ['/usr/bin', '/usr/sbin', '/usr/lib'];
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** Tiny files are mostly scripts and stubs; the bench wants the bulk of real code. */
const MIN_BYTES = 16 * 1024;

export interface BinaryFile {
  path: string;
  sizeBytes: number;
}

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.equals(ELF_MAGIC);
  } finally {
    await handle.close();
  }
}

/** Every regular ELF file of at least MIN_BYTES under ROOTS, once per inode, sorted by path. */
export async function listElfBinaries(): Promise<BinaryFile[]> {
  const candidates: string[] = [];
  for (const root of ROOTS) {
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile()) candidates.push(path.join(entry.parentPath, entry.name));
  }
  candidates.sort();
  const seen = new Set<string>();
  const out: BinaryFile[] = [];
  for (const file of candidates) {
    const info = await stat(file).catch(() => null);
    if (!info || info.size < MIN_BYTES) continue;
    const inode = `${info.dev}:${info.ino}`;
    if (seen.has(inode) || !(await isElf(file))) continue;
    seen.add(inode);
    out.push({ path: file, sizeBytes: info.size });
  }
  return out;
}

/**
 * Hands out binaries in a seeded order, each at most once, so no two bench files share content
 * (which would let chunk dedup flatter Lifeboat). When the machine has fewer bytes of binaries
 * than asked for, the rest of the request is left unmet and the caller fills it otherwise.
 */
export class BinaryPool {
  private next = 0;

  private constructor(private readonly files: BinaryFile[]) {}

  static async load(random: () => number): Promise<BinaryPool> {
    const files = await listElfBinaries();
    for (let i = files.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [files[i], files[j]] = [files[j] as BinaryFile, files[i] as BinaryFile];
    }
    return new BinaryPool(files);
  }

  /** Binaries adding up to at most `totalBytes`; the last one may be cut short (a prefix of it). */
  take(totalBytes: number): BinaryFile[] {
    const out: BinaryFile[] = [];
    let left = totalBytes;
    while (left > 0 && this.next < this.files.length) {
      const file = this.files[this.next++] as BinaryFile;
      const sizeBytes = Math.min(file.sizeBytes, left);
      out.push({ path: file.path, sizeBytes });
      left -= sizeBytes;
    }
    return out;
  }
}
