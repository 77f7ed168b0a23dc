/**
 * The exFAT root directory, for its two critical entries Lifeboat needs: the volume label (0x83)
 * and the allocation bitmap (0x81). The root directory has no stream extension, so its clusters
 * are always chained in the FAT; the chain is followed with every cluster remembered, so a loop
 * is reported instead of followed for ever.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, u64 } from '../../core/bytes.js';
import { exfatCorrupt } from '../fat/fat-errors.js';
import { blkidLabel } from '../fat/fat-text.js';
import type { ExfatGeometry } from './exfat-boot-sector.js';

const ENTRY_BYTES = 32;
const ENTRY_END = 0x00;
const ENTRY_BITMAP = 0x81;
const ENTRY_LABEL = 0x83;
/** A directory is at most 256 MiB (the specification's limit, and blkid's). */
export const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024;
/** Clusters are read in pieces of at most this much, so a 32 MiB cluster is not one allocation. */
const PIECE_BYTES = 64 * 1024;
const END_OF_CHAIN = 0xffffffff;

export interface AllocationBitmapEntry {
  /** BitmapFlags bit 0: which FAT (0 or 1) this bitmap goes with. */
  fatIndex: number;
  firstCluster: number;
  lengthBytes: number;
}

export interface ExfatRootDirectory {
  label: string | null;
  bitmaps: AllocationBitmapEntry[];
}

export function clusterOffsetBytes(geometry: ExfatGeometry, cluster: number): number {
  return (geometry.clusterHeapOffsetSectors + (cluster - 2) * geometry.sectorsPerCluster) * geometry.bytesPerSector;
}

/** The FAT entry of `cluster` in the active FAT. */
async function nextCluster(source: ByteSource, geometry: ExfatGeometry, cluster: number): Promise<number> {
  const fatStart = (geometry.fatOffsetSectors + geometry.activeFat * geometry.fatLengthSectors) * geometry.bytesPerSector;
  return dataView(await source.readAt(fatStart + cluster * 4, 4)).getUint32(0, true);
}

/** Reads the root directory up to its end marker. Memory: one 64 KiB piece and one number per cluster visited. */
export async function readExfatRootDirectory(source: ByteSource, geometry: ExfatGeometry): Promise<ExfatRootDirectory> {
  const result: ExfatRootDirectory = { label: null, bitmaps: [] };
  let labelSeen = false;
  const maxClusters = Math.min(geometry.clusterCount, Math.ceil(MAX_DIRECTORY_BYTES / geometry.clusterSizeBytes));
  const visited = new Set<number>();
  let cluster = geometry.rootCluster;
  while (visited.size < maxClusters) {
    visited.add(cluster);
    const start = clusterOffsetBytes(geometry, cluster);
    for (let done = 0; done < geometry.clusterSizeBytes; done += PIECE_BYTES) {
      const piece = await source.readAt(start + done, Math.min(PIECE_BYTES, geometry.clusterSizeBytes - done));
      const view = dataView(piece);
      for (let at = 0; at + ENTRY_BYTES <= piece.length; at += ENTRY_BYTES) {
        const type = piece[at];
        if (type === ENTRY_END) return result;
        if (type === ENTRY_LABEL && !labelSeen) {
          // blkid takes the first label entry: up to 11 UTF-16 characters.
          labelSeen = true;
          const characters = Math.min(piece[at + 1] ?? 0, 11);
          result.label = blkidLabel(new TextDecoder('utf-16le').decode(piece.subarray(at + 2, at + 2 + characters * 2)));
        } else if (type === ENTRY_BITMAP && result.bitmaps.length < 2) {
          result.bitmaps.push({
            fatIndex: (piece[at + 1] ?? 0) & 1,
            firstCluster: view.getUint32(at + 20, true),
            lengthBytes: u64(view, at + 24, "the allocation bitmap's length"),
          });
        }
      }
    }
    const next = await nextCluster(source, geometry, cluster);
    if (next === END_OF_CHAIN) return result;
    if (next < 2 || next > geometry.clusterCount + 1) {
      throw exfatCorrupt(`The root directory's cluster chain goes from cluster ${cluster} to 0x${next.toString(16)}, which is not a cluster of the heap`);
    }
    if (visited.has(next)) throw exfatCorrupt(`The root directory's cluster chain loops back to cluster ${next}`);
    cluster = next;
  }
  throw exfatCorrupt(`The root directory has no end marker within ${maxClusters} clusters`);
}
