/**
 * Where files and structures live on a real filesystem, asked of Debian's own tools (debugfs,
 * dumpe2fs, ntfsinfo) rather than of Lifeboat's parsers, so a test can put bad sectors inside a
 * known file and check that Lifeboat names that file.
 */
import { execa } from 'execa';

export interface DataRun {
  /** First block/cluster of the file (or attribute) the run maps. */
  logical: number;
  physical: number;
  length: number;
}

/** The physical block of logical block `n`, from runs. */
export function physicalOf(runs: readonly DataRun[], n: number): number {
  const run = runs.find((r) => n >= r.logical && n < r.logical + r.length);
  if (!run) throw new Error(`logical block ${n} is not mapped by ${JSON.stringify(runs)}`);
  return run.physical + (n - run.logical);
}

/** `debugfs -R "blocks PATH"`: the file's data blocks in logical order (PATH may be <inode>). */
export async function ext4Blocks(device: string, file: string): Promise<number[]> {
  const { stdout } = await execa('debugfs', ['-R', `blocks ${file}`, device], { stderr: 'ignore' });
  return stdout.trim().split(/\s+/).map(Number);
}

/** dumpe2fs: group 0's inode table blocks and the inodes per group. */
export async function ext4InodeTable(device: string): Promise<{ firstBlock: number; lastBlock: number; inodesPerGroup: number; blockBytes: number }> {
  const { stdout } = await execa('dumpe2fs', [device], { stderr: 'ignore' });
  const table = /Inode table at (\d+)-(\d+)/.exec(stdout);
  const perGroup = /Inodes per group:\s+(\d+)/.exec(stdout);
  const block = /Block size:\s+(\d+)/.exec(stdout);
  if (!table || !perGroup || !block) throw new Error(`dumpe2fs ${device} printed no inode table`);
  return { firstBlock: Number(table[1]), lastBlock: Number(table[2]), inodesPerGroup: Number(perGroup[1]), blockBytes: Number(block[1]) };
}

/** Whether inode `n` is marked in use, by `debugfs testi`. */
export async function ext4InodeInUse(device: string, n: number): Promise<boolean> {
  const { stdout } = await execa('debugfs', ['-R', `testi <${n}>`, device], { stderr: 'ignore' });
  return /is marked in use/.test(stdout);
}

/** The runs of the first non-resident $DATA attribute ntfsinfo dumps, for a path or an inode number. */
export async function ntfsDataRuns(device: string, target: { path: string } | { inode: number }): Promise<{ runs: DataRun[]; dataSizeBytes: number }> {
  const args = 'path' in target ? ['-F', target.path] : ['-i', String(target.inode)];
  const { stdout } = await execa('ntfsinfo', [...args, '-v', device], { stderr: 'ignore' });
  const dump = stdout.split('Dumping attribute $DATA (0x80)')[1];
  if (!dump) throw new Error(`ntfsinfo printed no $DATA for ${JSON.stringify(target)}`);
  const size = /Data size:\s+(\d+)/.exec(dump);
  const runs: DataRun[] = [];
  const listing = dump.split('Runlist:')[1]?.split('\n') ?? [];
  for (const line of listing) {
    const match = /^\s*(?:VCN\s+LCN\s+Length)?\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s*$/i.exec(line);
    if (match) runs.push({ logical: parseInt(match[1] ?? '', 16), physical: parseInt(match[2] ?? '', 16), length: parseInt(match[3] ?? '', 16) });
    else if (runs.length > 0) break;
  }
  return { runs, dataSizeBytes: Number(size?.[1] ?? 0) };
}

/** The volume's cluster size, from ntfsinfo -m. */
export async function ntfsClusterBytes(device: string): Promise<number> {
  const { stdout } = await execa('ntfsinfo', ['-m', device], { stderr: 'ignore' });
  const match = /Cluster Size:\s+(\d+)/.exec(stdout);
  if (!match) throw new Error(`ntfsinfo -m ${device} printed no cluster size`);
  return Number(match[1]);
}
