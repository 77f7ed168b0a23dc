/**
 * What Debian's own tools say a disk holds, in one shape per tool: the oracles the partition
 * tests compare Lifeboat against. Also a ByteSource over a file or block device.
 */
import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { sectorSource, type ByteSource } from '../../../recovery/core/byte-source.js';
import { FdDisk } from '../../../recovery/disks/fd-disk.js';
import type { GptEntry } from '../../../recovery/partitions/partition-table.js';

export interface SfdiskTable {
  label: 'dos' | 'gpt';
  id: string;
  firstlba?: number;
  lastlba?: number;
  sectorsize: number;
  partitions: Array<{ number: number; start: number; size: number; type: string; uuid?: string; name?: string; bootable?: boolean }>;
}

type SfdiskPartition = Omit<SfdiskTable['partitions'][number], 'number'> & { node: string };

/** `sfdisk --json`, with each partition's node name turned into its number. */
export async function sfdiskJson(device: string, nested?: 'dos'): Promise<SfdiskTable> {
  const { stdout } = await execa('sfdisk', [...(nested ? ['--label-nested', nested] : []), '--json', device]);
  const table = (JSON.parse(stdout) as { partitiontable: Omit<SfdiskTable, 'partitions'> & { partitions?: SfdiskPartition[] } }).partitiontable;
  return {
    ...table,
    partitions: (table.partitions ?? []).map(({ node, ...rest }) => ({ number: Number(/(\d+)$/.exec(node)?.[1]), ...rest })),
  };
}

/** partx reads through libblkid, so its UUID column is the PARTUUID blkid and udev report. */
export async function partxPartitions(device: string): Promise<Array<Record<'NR' | 'START' | 'SECTORS' | 'UUID' | 'TYPE' | 'NAME', string>>> {
  const { stdout } = await execa('partx', ['-P', '-o', 'NR,START,SECTORS,UUID,TYPE,NAME', device]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], unescapeBytes(m[2] ?? '')])) as Record<
          'NR' | 'START' | 'SECTORS' | 'UUID' | 'TYPE' | 'NAME',
          string
        >,
    );
}

/** partx -P writes bytes outside printable ASCII as \xNN; the bytes are UTF-8. */
function unescapeBytes(text: string): string {
  const parts = text.split(/(\\x[0-9a-fA-F]{2})/).map((part) => (/^\\x/.test(part) ? Buffer.from([Number.parseInt(part.slice(2), 16)]) : Buffer.from(part)));
  return Buffer.concat(parts).toString('utf8');
}

/** What `sgdisk -i N` prints of one entry: the fields of our GptEntry but its slot. */
export type SgdiskPartition = Omit<GptEntry, 'index'>;

export async function sgdiskInfo(device: string, number: number): Promise<SgdiskPartition> {
  const { stdout } = await execa('sgdisk', ['-i', String(number), device]);
  const field = (label: string): string => {
    const match = new RegExp(`^${label}: (.*)$`, 'm').exec(stdout);
    if (!match?.[1]) throw new Error(`sgdisk -i ${number} printed no "${label}":\n${stdout}`);
    return match[1];
  };
  return {
    typeGuid: field('Partition GUID code').split(' ')[0]!.toLowerCase(),
    uniqueGuid: field('Partition unique GUID').toLowerCase(),
    firstLba: Number(field('First sector').split(' ')[0]),
    lastLba: Number(field('Last sector').split(' ')[0]),
    attributes: `0x${field('Attribute flags').toLowerCase()}`,
    name: /^Partition name: '(.*)'$/m.exec(stdout)?.[1] ?? '',
  };
}

/** `sgdisk -v`: its full report (stdout and stderr), and whether it found nothing wrong. */
export async function sgdiskVerify(device: string): Promise<{ ok: boolean; report: string }> {
  const { stdout, stderr, exitCode } = await execa('sgdisk', ['-v', device], { reject: false });
  const report = `${stdout}\n${stderr}`;
  // sgdisk says "No problems found" even after warning that it used a damaged copy, so warnings count too;
  // except the alignment caution, which is about where the partitions are, not about the table.
  const concerns = report.replace(/Caution: Partition \d+ doesn't (begin|end) on a \d+-sector boundary\./g, '');
  return { ok: exitCode === 0 && stdout.includes('No problems found') && !/warning|caution|error/i.test(concerns), report };
}

/** A read-only ByteSource over a file or a block device, reading whole logical sectors as a Disk must. */
export async function openSource(path: string, logicalSectorSize: number): Promise<{ source: ByteSource; close: () => Promise<void> }> {
  const handle = await open(path, 'r');
  const info = await handle.stat();
  const sizeBytes = info.isFile() ? info.size : Number((await execa('blockdev', ['--getsize64', path])).stdout.trim());
  const disk = new FdDisk(handle, {
    path,
    kind: info.isFile() ? 'image-file' : 'block-device',
    sizeBytes,
    logicalSectorSize,
    physicalSectorSize: logicalSectorSize,
    writable: false,
  });
  return { source: sectorSource(disk), close: () => disk.close() };
}
