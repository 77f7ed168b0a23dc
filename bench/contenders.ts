/**
 * What each contender runs for a capture and a restore, as bash scripts for timed-script.ts.
 * Every step ends with its output on stable storage (Lifeboat fsyncs its packs and the target
 * itself; the others get a `sync` of what they wrote), so no one is timed into the page cache.
 *
 * - Lifeboat: the CLI from the checkout (node build/recovery/cli/main.js), defaults (zstd -3).
 * - partclone + zstd: what Clonezilla's savedisk runs: `sfdisk -d` of the table, the first MiB
 *   with dd (Clonezilla's "hidden data"), then per partition `partclone.<fs> -z 10485760 -c -s
 *   <partition> -o - | zstd -T0 -3`; restore: the table back with sfdisk, then per partition
 *   `zstd -dc | partclone.<fs> -z 10485760 -r -s - -o <partition>`. -z 10485760 is Clonezilla's
 *   buffer size; partclone's checksum is its default (CRC32).
 * - dd + zstd: the whole disk, `dd bs=4M | zstd -T0 -3`, and back with `zstd -dc | dd bs=4M`.
 */
import path from 'node:path';
import { timed } from './timed-script.js';

export interface DiskDevices {
  disk: string;
  partitions: Array<{ number: number; filesystem: 'ntfs' | 'ext4'; device: string }>;
}

export interface Script {
  script: string;
  /** Process names that run at the same time, per pipeline (timed-script.ts). */
  pipelines: string[][];
}

export type ContenderName = 'Lifeboat' | 'partclone + zstd' | 'dd + zstd';

/** Single quotes for bash. */
export function q(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const PARTCLONE_BUFFER = '-z 10485760';

export function lifeboat(cli: string[], args: string[]): Script {
  return { script: [...cli, ...args, '--json'].map(q).join(' '), pipelines: [] };
}

export function lifeboatCapture(cli: string[], source: DiskDevices, repo: string): Script {
  return lifeboat(cli, ['capture', '--source', source.disk, '--repo', repo]);
}

export function lifeboatRestore(cli: string[], repo: string, snapshot: string, target: DiskDevices, extra: string[] = []): Script {
  return lifeboat(cli, ['restore', '--repo', repo, '--snapshot', snapshot, '--target', target.disk, '--yes', '--confirm-target', target.disk, ...extra]);
}

function imageName(part: DiskDevices['partitions'][number]): string {
  return `p${part.number}.${part.filesystem}-ptcl-img.zst`;
}

export function partcloneCapture(source: DiskDevices, outDir: string, logDir: string): Script {
  const lines = [
    `sfdisk --dump ${q(source.disk)} > ${q(path.join(outDir, 'pt.sf'))}`,
    `dd if=${q(source.disk)} of=${q(path.join(outDir, 'first-mib'))} bs=1M count=1 status=none`,
  ];
  const pipelines: string[][] = [];
  for (const part of source.partitions) {
    const [tool, compressor] = [`partclone p${part.number}`, `zstd p${part.number}`];
    const log = path.join(logDir, `partclone-c-p${part.number}`);
    lines.push(
      `${timed(tool, `partclone.${part.filesystem} ${PARTCLONE_BUFFER} -q -L ${q(`${log}.log`)} -c -s ${q(part.device)} -o -`)} 2>>${q(`${log}.stderr`)} | ` +
        `${timed(compressor, 'zstd -T0 -3 -q -c')} > ${q(path.join(outDir, imageName(part)))}`,
    );
    pipelines.push([tool, compressor]);
  }
  lines.push(`sync ${q(outDir)}/*`);
  return { script: lines.join('\n'), pipelines };
}

export function partcloneRestore(imageDir: string, target: DiskDevices, logDir: string): Script {
  const lines = [`sfdisk --quiet --no-reread --no-tell-kernel ${q(target.disk)} < ${q(path.join(imageDir, 'pt.sf'))}`];
  const pipelines: string[][] = [];
  for (const part of target.partitions) {
    const [decompressor, tool] = [`zstd -d p${part.number}`, `partclone -r p${part.number}`];
    const log = path.join(logDir, `partclone-r-p${part.number}`);
    lines.push(
      `${timed(decompressor, `zstd -dc -q ${q(path.join(imageDir, imageName(part)))}`)} | ` +
        `${timed(tool, `partclone.${part.filesystem} ${PARTCLONE_BUFFER} -q -L ${q(`${log}.log`)} -r -s - -o ${q(part.device)}`)} 2>>${q(`${log}.stderr`)}`,
    );
    pipelines.push([decompressor, tool]);
  }
  lines.push(`sync ${[target.disk, ...target.partitions.map((p) => p.device)].map(q).join(' ')}`);
  return { script: lines.join('\n'), pipelines };
}

export function ddCapture(source: DiskDevices, outDir: string): Script {
  const image = q(path.join(outDir, 'disk.img.zst'));
  return {
    script: `${timed('dd', `dd if=${q(source.disk)} bs=4M status=none`)} | ${timed('zstd', 'zstd -T0 -3 -q -c')} > ${image}\nsync ${image}`,
    pipelines: [['dd', 'zstd']],
  };
}

export function ddRestore(imageDir: string, target: DiskDevices): Script {
  return {
    script: `${timed('zstd -d', `zstd -dc -q ${q(path.join(imageDir, 'disk.img.zst'))}`)} | ${timed('dd', `dd of=${q(target.disk)} bs=4M iflag=fullblock status=none`)}\nsync ${q(target.disk)}`,
    pipelines: [['zstd -d', 'dd']],
  };
}

/** The limits: the used bytes read from the page cache to nowhere, into zstd, and hashed. */
export function limitScripts(readRanges: string[], disk: string, rangesFile: string, countFile: string): Record<'read' | 'zstd' | 'sha256', Script> {
  const reader = [...readRanges, disk, rangesFile].map(q).join(' ');
  return {
    read: { script: `${reader} /dev/null`, pipelines: [] },
    zstd: {
      script: `${timed('read', `${reader} /dev/stdout`)} | ${timed('zstd', 'zstd -T0 -3 -q -c')} | wc -c > ${q(countFile)}`,
      pipelines: [['read', 'zstd']],
    },
    sha256: { script: `${reader} --sha256 > ${q(countFile)}`, pipelines: [] },
  };
}
