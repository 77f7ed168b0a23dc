/**
 * What Debian's tools say about an NTFS image, for comparing against Lifeboat: partclone's
 * used clusters (its ddrescue domain log lists them as byte ranges), blkid's tags, ntfsinfo's
 * dump of $MFT's runs, and a writable ntfs-3g mount to fill the volume with files.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { waitUntil } from '../../../helpers/poll.js';

export interface PartcloneMap {
  blockSizeBytes: number;
  /** Blocks partclone covers: the volume's clusters (partclone's "Device size"). */
  totalBlocks: number;
  /** partclone's "Space in use" in blocks. */
  usedBlocks: number;
  /** Used blocks as [start, count] runs, from the domain log's "+" lines. */
  usedRuns: Array<[number, number]>;
}

export async function partcloneMap(image: string, workDir: string): Promise<PartcloneMap> {
  const domain = path.join(workDir, `${path.basename(image)}.domain`);
  const log = path.join(workDir, `${path.basename(image)}.partclone.log`);
  await execa('partclone.ntfs', ['-D', '-s', image, '-O', domain, '-L', log, '-q']);
  const logText = await readFile(log, 'utf8');
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(logText);
    if (!match?.[1]) throw new Error(`partclone's log has no match for ${pattern}:\n${logText}`);
    return Number(match[1]);
  };
  const blockSizeBytes = number(/Block size:\s+(\d+) Byte/);
  const usedRuns: Array<[number, number]> = [];
  for (const line of (await readFile(domain, 'utf8')).split('\n')) {
    const match = /^0x([0-9A-Fa-f]+)\s+0x([0-9A-Fa-f]+)\s+\+/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const start = parseInt(match[1], 16);
    const size = parseInt(match[2], 16);
    if (start % blockSizeBytes !== 0 || size % blockSizeBytes !== 0) throw new Error(`partclone range ${line} is not block-aligned`);
    usedRuns.push([start / blockSizeBytes, size / blockSizeBytes]);
  }
  return {
    blockSizeBytes,
    totalBlocks: number(/Device size:.*= (\d+) Blocks/),
    usedBlocks: number(/Space in use:.*= (\d+) Blocks/),
    usedRuns,
  };
}

/** One tag as `blkid -p` reads it from the image (raw bytes, no escaping), or null when absent. */
export async function blkidTag(image: string, tag: 'TYPE' | 'LABEL' | 'UUID'): Promise<string | null> {
  const { stdout } = await execa('blkid', ['-p', '-o', 'value', '-s', tag, image], { reject: false, stripFinalNewline: false });
  const value = stdout.replace(/\n$/, '');
  return value === '' ? null : value;
}

/** $MFT's runs as ntfs-3g decodes them (`ntfsinfo -v -i 0`), every extent of its unnamed $DATA. */
export async function ntfsinfoMftRuns(image: string): Promise<Array<{ vcn: number; lcn: number; lengthClusters: number }>> {
  const { stdout } = await execa('ntfsinfo', ['-f', '-v', '-i', '0', image]);
  const runs: Array<{ vcn: number; lcn: number; lengthClusters: number }> = [];
  let inData = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('Dumping attribute')) inData = line.startsWith('Dumping attribute $DATA (0x80)');
    const match = /^\t\t\t0x([0-9a-f]+)\t\t0x([0-9a-f]+)\t\t0x([0-9a-f]+)/i.exec(line);
    if (inData && match?.[1] && match[2] && match[3]) {
      runs.push({ vcn: parseInt(match[1], 16), lcn: parseInt(match[2], 16), lengthClusters: parseInt(match[3], 16) });
    }
  }
  return runs;
}

/** Merges runs that continue each other on disk, so two decoders can be compared run for run. */
export function mergeRuns(runs: ReadonlyArray<{ lcn: number | null; lengthClusters: number }>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const run of runs) {
    const last = merged.at(-1);
    if (run.lcn === null) throw new Error('sparse run in $MFT');
    if (last && last[0] + last[1] === run.lcn) last[1] += run.lengthClusters;
    else merged.push([run.lcn, run.lengthClusters]);
  }
  return merged;
}

/** A read-write ntfs-3g mount of an image, kept in the foreground so unmount can wait for it to finish writing. */
export class NtfsMount {
  private constructor(
    readonly dir: string,
    private readonly daemon: ResultPromise,
  ) {}

  static async mount(image: string, dir: string): Promise<NtfsMount> {
    await mkdir(dir, { recursive: true });
    const daemon = execa('ntfs-3g', ['-o', 'no_detach', image, dir], { stdout: 'ignore', stderr: 'ignore', reject: false });
    try {
      await waitUntil(
        `ntfs-3g to mount ${image} on ${dir}`,
        async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.split(' ')[4] === dir),
        { intervalMs: 50, hopeless: () => (daemon.exitCode === null ? null : `ntfs-3g exited with ${String(daemon.exitCode)}`) },
      );
    } catch (error) {
      daemon.kill();
      await daemon;
      throw error;
    }
    return new NtfsMount(dir, daemon);
  }

  /** Unmounts and waits for ntfs-3g to exit, so every write has reached the image. */
  async unmount(): Promise<void> {
    await execa('umount', [this.dir]);
    const result = await this.daemon;
    if (result.exitCode !== 0) throw new Error(`ntfs-3g exited with ${String(result.exitCode)}`);
  }

  /** For finally blocks: gets rid of the mount whatever state it is in. */
  async forceUnmount(): Promise<void> {
    await execa('umount', ['--lazy', this.dir], { reject: false });
    await this.daemon;
  }
}
