/**
 * Independent answers about FAT and exFAT images from Debian's tools: blkid's identification,
 * partclone's image header and bitmap, fsck.fat's and dump.exfat's cluster counts. Also the two
 * places where partclone is known to differ from the filesystem, written down as rules so a test
 * can show the difference is exactly that and nothing else.
 */
import { execa } from 'execa';
import { BlockRangesBuilder, type BlockRanges } from '../../../../recovery/core/block-ranges.js';
import type { UsedBlockMap } from '../../../../recovery/filesystems/filesystem-types.js';
import { runPartclone, type PartcloneImage } from '../../../helpers/partclone.js';

export const MiB = 1024 * 1024;

/** blkid's low-level probe of an image file (`blkid -p -o udev`), labels decoded from the _ENC form. */
export async function blkidTags(image: string): Promise<{ type?: string; version?: string; uuid?: string; label?: string }> {
  const { stdout } = await execa('blkid', ['-p', '-o', 'udev', image], { reject: false });
  const tags = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) tags.set(line.slice(0, at), line.slice(at + 1));
  }
  // _ENC values keep UTF-8 as it is and write unsafe bytes (space, quotes, invalid UTF-8) as \xHH.
  const decode = (text: string | undefined) =>
    text === undefined
      ? undefined
      : Buffer.concat(
          text
            .split(/(\\x[0-9a-fA-F]{2})/)
            .map((part) => (/^\\x[0-9a-fA-F]{2}$/.test(part) ? Buffer.from([parseInt(part.slice(2), 16)]) : Buffer.from(part, 'utf8'))),
        ).toString('utf8');
  return { type: tags.get('ID_FS_TYPE'), version: tags.get('ID_FS_VERSION'), uuid: tags.get('ID_FS_UUID_ENC'), label: decode(tags.get('ID_FS_LABEL_ENC')) };
}

/**
 * Runs `partclone.<tool> -c` and reads its image's header and bitmap (test/helpers/partclone.ts), or
 * returns everything it printed when it refuses.
 */
export async function partcloneView(tool: 'fat' | 'exfat', image: string, workDir: string): Promise<PartcloneImage | { refusal: string }> {
  return runPartclone(tool, image, { workDir });
}

/** `fsck.fat -n`: "<image>: N files, USED/TOTAL clusters". */
export async function fsckFatClusters(image: string): Promise<{ used: number; total: number; output: string }> {
  const run = await execa('fsck.fat', ['-n', '-v', image], { reject: false, all: true });
  const match = / (\d+)\/(\d+) clusters/.exec(run.all ?? '');
  if (!match) throw new Error(`fsck.fat printed no cluster count:\n${run.all}`);
  return { used: Number(match[1]), total: Number(match[2]), output: run.all ?? '' };
}

/** `dump.exfat`: cluster count and free clusters. */
export async function dumpExfatClusters(image: string): Promise<{ used: number; total: number }> {
  const { stdout } = await execa('dump.exfat', [image]);
  const total = Number(/Cluster Count:\s+(\d+)/.exec(stdout)?.[1]);
  const free = Number(/Free Clusters:\s+(\d+)/.exec(stdout)?.[1]);
  return { used: total - free, total };
}

/** Our map cut to partclone's block count, and whether anything of ours lies beyond it. */
export function clipped(map: UsedBlockMap, totalBlocks: number): { inside: BlockRanges; beyond: number } {
  const builder = new BlockRangesBuilder(totalBlocks);
  let beyond = 0;
  for (const { start, count } of map.used) {
    const end = Math.min(start + count, totalBlocks);
    if (end > start) builder.add(start, end - start);
    beyond += start + count - Math.max(start, end);
  }
  return { inside: builder.build(), beyond };
}

/**
 * partclone.fat 0.3.23's FAT12 map, as its fatclone.c computes it: metadata sectors, then for
 * cluster i (counting from 0) the 16-bit word at FAT byte 4 + 2i shifted right by 4, non-zero
 * meaning used, then every sector after the last whole cluster. FAT12 entries are 12 bits (two in
 * three bytes), so from the second cluster on it reads the wrong bits, and past half the FAT it
 * reads the second FAT copy. This rule is the whole difference between its map and Lifeboat's.
 */
export function partcloneFat12Map(image: Uint8Array): BlockRanges {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const bytesPerSector = view.getUint16(11, true);
  const sectorsPerCluster = image[13]!;
  const reserved = view.getUint16(14, true);
  const fats = image[16]!;
  const rootSectors = Math.ceil((view.getUint16(17, true) * 32) / bytesPerSector);
  const total = view.getUint16(19, true) || view.getUint32(32, true);
  const fatSectors = view.getUint16(22, true);
  const meta = reserved + fats * fatSectors + rootSectors;
  const clusters = Math.floor((total - meta) / sectorsPerCluster);
  const builder = new BlockRangesBuilder(total);
  builder.add(0, meta);
  for (let i = 0; i < clusters; i++) {
    if (view.getUint16(reserved * bytesPerSector + 4 + 2 * i, true) >> 4 !== 0) builder.add(meta + i * sectorsPerCluster, sectorsPerCluster);
  }
  builder.add(meta + clusters * sectorsPerCluster, total - meta - clusters * sectorsPerCluster);
  return builder.build();
}

/**
 * partclone.exfat 0.3.23's map given the true allocation (Lifeboat's map), as its bundled libexfat
 * walks the bitmap: it looks only at clusters below ClusterCount (not ClusterCount + 2), so the
 * heap's last two clusters are never seen, except that a run reaching cluster ClusterCount - 1
 * is extended to include cluster ClusterCount; and its first range starts at sector 0, covering any
 * free clusters before the first used one.
 */
export function partcloneExfatMap(
  ours: UsedBlockMap,
  geometry: { heapSector: number; sectorsPerCluster: number; clusterCount: number; volumeSectors: number },
): BlockRanges {
  const { heapSector, sectorsPerCluster, clusterCount: end } = geometry;
  const sectorOf = (cluster: number) => heapSector + (cluster - 2) * sectorsPerCluster;
  const used = (cluster: number) => ours.used.has(sectorOf(cluster));
  const builder = new BlockRangesBuilder(geometry.volumeSectors);
  let first = true;
  let b = 1;
  for (;;) {
    let a = b + 1;
    while (a < end && !used(a)) a++;
    if (a >= end) break;
    b = a;
    while (b < end && used(b)) b++;
    if (b < end) b--;
    const startSector = first ? 0 : sectorOf(a);
    builder.add(startSector, sectorOf(b) + sectorsPerCluster - startSector);
    first = false;
  }
  return builder.build();
}
