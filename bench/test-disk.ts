/**
 * The disk the benchmarks capture: a sparse GPT image file with an NTFS partition and an ext4
 * partition filling the rest, each filled through its real driver (ntfs-3g, kernel ext4) to a
 * share of its size (fill-files.ts: the content mix and the deleted files). The content comes
 * from the seed; where the filesystems place it may differ a little between builds (allocators
 * and writeback timing). Everything attached or mounted is undone before returning, also on failure.
 */
import { statfs, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { Attachments } from './attachments.js';
import { BinaryPool } from './elf-binaries.js';
import { contentSource, fillFilesystem, planFiles, type ContentKind, type TextCorpus } from './fill-files.js';

const MiB = 1024 ** 2;
const BASIC_DATA_TYPE = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
const LINUX_DATA_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

export type BenchFilesystem = 'ntfs' | 'ext4';

export interface TestDiskOptions {
  sizeBytes: number;
  ntfsSizeBytes: number;
  /** How full each filesystem ends up (0-1), its own metadata included; deleted files come on top. */
  ext4Full: number;
  ntfsFull: number;
  seed: number;
}

export interface PartitionFacts {
  number: number;
  filesystem: BenchFilesystem;
  startBytes: number;
  sizeBytes: number;
  /** Bytes of kept files, and of files written and deleted again (their data stays in free space). */
  dataBytes: number;
  staleBytes: number;
  files: number;
  keptBytesByKind: Record<ContentKind, number>;
  /** What statfs said was in use after the fill (metadata included). */
  usedAfterFillBytes: number;
}

export interface TestDisk {
  file: string;
  sizeBytes: number;
  partitions: PartitionFacts[];
  seconds: number;
}

interface SfdiskTable {
  partitiontable: { sectorsize?: number; partitions: Array<{ start: number; size: number }> };
}

/** Where sfdisk put the partitions of `file`. */
export async function partitionsOf(file: string): Promise<Array<{ startSector: number; startBytes: number; sizeBytes: number }>> {
  const { partitiontable } = JSON.parse((await execa('sfdisk', ['--json', file])).stdout) as SfdiskTable;
  const sectorBytes = partitiontable.sectorsize ?? 512;
  return partitiontable.partitions.map((p) => ({ startSector: p.start, startBytes: p.start * sectorBytes, sizeBytes: p.size * sectorBytes }));
}

/** In use, the filesystem's own metadata included (ext4's statfs leaves it out of its block count). */
async function usedBytes(mountPoint: string, partitionBytes: number): Promise<number> {
  const stats = await statfs(mountPoint);
  return partitionBytes - stats.bfree * stats.bsize;
}

/** Kept bytes that bring a filesystem holding `usedNowBytes` of `sizeBytes` to `full`. */
function dataBytesFor(sizeBytes: number, usedNowBytes: number, full: number): number {
  const bytes = Math.floor(sizeBytes * full) - usedNowBytes;
  if (bytes <= 0) throw new Error(`a ${sizeBytes}-byte filesystem already uses ${usedNowBytes} bytes after mkfs: more than ${full * 100}%`);
  return bytes;
}

export async function buildTestDisk(dir: string, options: TestDiskOptions, corpus: TextCorpus): Promise<TestDisk> {
  const started = performance.now();
  const file = path.join(dir, 'disk.img');
  await writeFile(file, '');
  await truncate(file, options.sizeBytes);
  const layout = `label: gpt\nsize=${Math.floor(options.ntfsSizeBytes / MiB)}MiB, type=${BASIC_DATA_TYPE}, name="Data"\ntype=${LINUX_DATA_TYPE}, name="Linux"\n`;
  await execa('sfdisk', ['--quiet', file], { input: layout });
  const [ntfs, ext4] = await partitionsOf(file);
  if (!ntfs || !ext4) throw new Error('sfdisk did not make the two partitions');

  const attachments = new Attachments();
  try {
    const ntfsDevice = await attachments.attach(file, { offsetBytes: ntfs.startBytes, sizeBytes: ntfs.sizeBytes });
    // The partition start goes into the boot sector ("hidden sectors"), as Windows would write it.
    await execa('mkntfs', ['-Q', '-F', '-q', '-L', 'Data', '-p', String(ntfs.startSector), '-H', '255', '-S', '63', ntfsDevice]);
    const ntfsDir = await attachments.mount(ntfsDevice, path.join(dir, 'mnt-ntfs'), 'ntfs');
    const ext4Device = await attachments.attach(file, { offsetBytes: ext4.startBytes, sizeBytes: ext4.sizeBytes });
    // Inode tables written now, not by the kernel's lazy-init thread while the bench writes files.
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'Linux', '-E', 'lazy_itable_init=0,lazy_journal_init=0', ext4Device]);
    const ext4Dir = await attachments.mount(ext4Device, path.join(dir, 'mnt-ext4'), 'ext4');

    const ext4Data = dataBytesFor(ext4.sizeBytes, await usedBytes(ext4Dir, ext4.sizeBytes), options.ext4Full);
    const ntfsData = dataBytesFor(ntfs.sizeBytes, await usedBytes(ntfsDir, ntfs.sizeBytes), options.ntfsFull);
    const ext4Plan = { dataBytes: ext4Data, staleBytes: Math.round(ext4Data / 6), seed: options.seed * 16 + 4 };
    const ntfsPlan = { dataBytes: ntfsData, staleBytes: Math.round(ntfsData / 6), seed: options.seed * 16 + 7 };
    // Planned one after the other, so each filesystem gets the same binaries on every build.
    const binaries = await BinaryPool.load(seededRandom(options.seed * 16 + 1));
    const ext4Files = planFiles(ext4Plan, binaries, seededRandom(ext4Plan.seed));
    const ntfsFiles = planFiles(ntfsPlan, binaries, seededRandom(ntfsPlan.seed));
    const [ext4Filled, ntfsFilled] = await Promise.all([
      fillFilesystem(ext4Dir, ext4Files, contentSource(corpus, ext4Plan.seed, 'ext4')),
      fillFilesystem(ntfsDir, ntfsFiles, contentSource(corpus, ntfsPlan.seed, 'ntfs')),
    ]);
    const partitions: PartitionFacts[] = [
      {
        number: 1,
        filesystem: 'ntfs' as const,
        ...ntfs,
        ...ntfsPlan,
        files: ntfsFilled.keptFiles,
        keptBytesByKind: ntfsFilled.keptBytesByKind,
        usedAfterFillBytes: await usedBytes(ntfsDir, ntfs.sizeBytes),
      },
      {
        number: 2,
        filesystem: 'ext4' as const,
        ...ext4,
        ...ext4Plan,
        files: ext4Filled.keptFiles,
        keptBytesByKind: ext4Filled.keptBytesByKind,
        usedAfterFillBytes: await usedBytes(ext4Dir, ext4.sizeBytes),
      },
    ].map(({ startSector: _s, seed: _seed, ...facts }) => facts);
    return { file, sizeBytes: options.sizeBytes, partitions, seconds: (performance.now() - started) / 1000 };
  } finally {
    await attachments.cleanup();
  }
}
