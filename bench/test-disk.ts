/**
 * The disk the pipeline bench captures: a sparse GPT image file with an NTFS partition and an
 * ext4 partition filling the rest, both filled through their real drivers (kernel ext4, ntfs-3g).
 * Each partition is attached as its own loop device (losetup --offset), which needs no partition
 * nodes. Everything attached or mounted is undone before returning, also on failure.
 */
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { fillFilesystem, type TextCorpus } from './fill-files.js';

const MiB = 1024 ** 2;
const BASIC_DATA_TYPE = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
const LINUX_DATA_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

export interface TestDiskOptions {
  sizeBytes: number;
  ntfsSizeBytes: number;
  /** Kept data on each filesystem; a sixth more is written to files deleted again. */
  ext4DataBytes: number;
  ntfsDataBytes: number;
}

export interface TestDisk {
  file: string;
  sizeBytes: number;
  partitions: Array<{ filesystem: string; startBytes: number; sizeBytes: number; dataBytes: number; staleBytes: number; files: number }>;
  seconds: number;
}

interface SfdiskTable {
  partitiontable: { sectorsize?: number; partitions: Array<{ start: number; size: number }> };
}

export async function buildTestDisk(dir: string, options: TestDiskOptions, corpus: TextCorpus): Promise<TestDisk> {
  const started = performance.now();
  const file = path.join(dir, 'disk.img');
  await writeFile(file, '');
  await truncate(file, options.sizeBytes);
  const layout = `label: gpt\nsize=${options.ntfsSizeBytes / MiB}MiB, type=${BASIC_DATA_TYPE}, name="Data"\ntype=${LINUX_DATA_TYPE}, name="Linux"\n`;
  await execa('sfdisk', ['--quiet', file], { input: layout });
  const { partitiontable } = JSON.parse((await execa('sfdisk', ['--json', file])).stdout) as SfdiskTable;
  const sectorBytes = partitiontable.sectorsize ?? 512;
  const [ntfs, ext4] = partitiontable.partitions.map((p) => ({ startSector: p.start, startBytes: p.start * sectorBytes, sizeBytes: p.size * sectorBytes }));
  if (!ntfs || !ext4) throw new Error('sfdisk did not make the two partitions');

  let partitions: TestDisk['partitions'] = [];
  const loops: string[] = [];
  const mounts: string[] = [];
  const attach = async (part: { startBytes: number; sizeBytes: number }): Promise<string> => {
    const { stdout } = await execa('losetup', ['--find', '--show', '--offset', String(part.startBytes), '--sizelimit', String(part.sizeBytes), file]);
    loops.push(stdout.trim());
    return stdout.trim();
  };
  const mountPoint = async (name: string): Promise<string> => {
    const target = path.join(dir, name);
    await mkdir(target, { recursive: true });
    mounts.push(target);
    return target;
  };
  try {
    const ntfsDevice = await attach(ntfs);
    // The partition start goes into the boot sector ("hidden sectors"), as Windows would write it.
    await execa('mkntfs', ['-Q', '-F', '-q', '-L', 'Data', '-p', String(ntfs.startSector), '-H', '255', '-S', '63', ntfsDevice]);
    const ntfsDir = await mountPoint('ntfs');
    await execa('ntfs-3g', [ntfsDevice, ntfsDir]);

    const ext4Device = await attach(ext4);
    // Inode tables written now, not by the kernel's lazy-init thread while the bench writes files.
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'Linux', '-E', 'lazy_itable_init=0,lazy_journal_init=0', ext4Device]);
    const ext4Dir = await mountPoint('ext4');
    await execa('mount', ['-t', 'ext4', ext4Device, ext4Dir]);

    const ext4Plan = { dataBytes: options.ext4DataBytes, staleBytes: Math.round(options.ext4DataBytes / 6), seed: 4 };
    const ntfsPlan = { dataBytes: options.ntfsDataBytes, staleBytes: Math.round(options.ntfsDataBytes / 6), seed: 7 };
    const [ext4Filled, ntfsFilled] = await Promise.all([fillFilesystem(ext4Dir, ext4Plan, corpus), fillFilesystem(ntfsDir, ntfsPlan, corpus)]);
    partitions = [
      { filesystem: 'ntfs', startBytes: ntfs.startBytes, sizeBytes: ntfs.sizeBytes, dataBytes: ntfsPlan.dataBytes, staleBytes: ntfsPlan.staleBytes, files: ntfsFilled.keptFiles },
      { filesystem: 'ext4', startBytes: ext4.startBytes, sizeBytes: ext4.sizeBytes, dataBytes: ext4Plan.dataBytes, staleBytes: ext4Plan.staleBytes, files: ext4Filled.keptFiles },
    ];
  } finally {
    // ntfs-3g (fuseblk) flushes before umount returns, so the loop devices can go right after.
    for (const target of mounts.reverse()) {
      const { failed } = await execa('umount', [target], { reject: false });
      if (failed) await execa('umount', ['--lazy', target], { reject: false });
    }
    for (const device of loops.reverse()) await execa('losetup', ['--detach', device], { reject: false });
  }
  return { file, sizeBytes: options.sizeBytes, partitions, seconds: (performance.now() - started) / 1000 };
}
