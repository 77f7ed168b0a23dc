/**
 * The byte ranges a Lifeboat capture reads, from `lifeboat inspect DISK --json --map`: the
 * partition table's sectors and the gap before the first partition, then every used run of every
 * partition, cut at the partition's end. Their sum is inspect's copiedBytes (checked), the used
 * bytes every rate in the bench is divided by. The limits read exactly these ranges.
 */
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';

export interface UsedRanges {
  /** [offsetBytes, lengthBytes], sorted, disk-relative. */
  ranges: Array<[number, number]>;
  /**
   * The ranges inside partitions that partclone restores, for its restore check: all but NTFS's
   * backup boot sector, the partition's last sector, outside the volume's clusters, which
   * partclone.ntfs does not copy (Lifeboat and dd do).
   */
  partitionRanges: Array<[number, number]>;
  usedBytes: number;
  byPartition: Array<{ number: number; filesystem: string | null; usedBytes: number; runs: number }>;
}

interface InspectJson {
  table: { metadataAreas: Array<{ offsetBytes: number; sizeBytes: number }>; gaps: Array<{ offsetBytes: number; sizeBytes: number; position: string }> };
  partitions: Array<{
    number: number;
    startBytes: number;
    sizeBytes: number;
    blockSizeBytes: number;
    copiedBytes: number;
    map: Array<[number, number]>;
    filesystem: { type: string } | null;
  }>;
  copiedBytes: number;
}

export async function usedRanges(cli: string[], disk: string): Promise<UsedRanges> {
  const { stdout } = await execa(cli[0] as string, [...cli.slice(1), 'inspect', disk, '--json', '--map'], { maxBuffer: 512 * 1024 ** 2 });
  const inspect = JSON.parse(stdout) as InspectJson;
  const outside: Array<[number, number]> = [
    ...inspect.table.metadataAreas.map((a): [number, number] => [a.offsetBytes, a.sizeBytes]),
    ...inspect.table.gaps.filter((g) => g.position === 'leading').map((g): [number, number] => [g.offsetBytes, g.sizeBytes]),
  ];
  const inside: Array<[number, number]> = [];
  const partitionRanges: Array<[number, number]> = [];
  for (const part of inspect.partitions) {
    const end = part.startBytes + part.sizeBytes;
    const clustersEnd =
      part.filesystem?.type === 'ntfs' ? part.startBytes + Math.floor((part.sizeBytes - 512) / part.blockSizeBytes) * part.blockSizeBytes : end;
    for (const [first, count] of part.map) {
      const start = part.startBytes + first * part.blockSizeBytes;
      const length = Math.min(count * part.blockSizeBytes, end - start);
      if (length > 0) inside.push([start, length]);
      const partcloneLength = Math.min(length, clustersEnd - start);
      if (partcloneLength > 0) partitionRanges.push([start, partcloneLength]);
    }
  }
  const ranges = [...outside, ...inside].sort((a, b) => a[0] - b[0]);
  const usedBytes = ranges.reduce((sum, [, length]) => sum + length, 0);
  if (usedBytes !== inspect.copiedBytes) throw new Error(`the used ranges add up to ${usedBytes} bytes, inspect says ${inspect.copiedBytes}`);
  return {
    ranges,
    partitionRanges,
    usedBytes,
    byPartition: inspect.partitions.map((p) => ({ number: p.number, filesystem: p.filesystem?.type ?? null, usedBytes: p.copiedBytes, runs: p.map.length })),
  };
}

export async function writeRanges(file: string, ranges: Array<[number, number]>): Promise<void> {
  await writeFile(file, JSON.stringify(ranges));
}
