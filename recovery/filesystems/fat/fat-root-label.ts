/**
 * The volume label kept as an entry of the root directory. blkid 2.38 prints this entry as LABEL
 * (even when it reads "NO NAME"), and the boot sector's copy only as LABEL_FATBOOT: a volume with
 * a label in the boot sector alone has no LABEL. Lifeboat reports what blkid's LABEL says.
 */
import type { ByteSource } from '../../core/byte-source.js';
import type { FatGeometry } from './fat-boot-sector.js';
import { fatCorrupt } from './fat-errors.js';
import { END_OF_CHAIN, readFatEntry } from './fat-table.js';
import { fatLabelText } from './fat-text.js';

const ENTRY_BYTES = 32;
const ATTR_VOLUME_ID = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_LONG_NAME = 0x0f;
const ENTRY_DELETED = 0xe5;
/** The fixed FAT12/16 root directory (at most 65535 entries, 2 MiB) is read 64 KiB at a time. */
const ROOT_PIECE_BYTES = 64 * 1024;
/** blkid gives up on the FAT32 root directory after 99 clusters; so does Lifeboat. */
export const MAX_ROOT_CLUSTERS = 99;

type Scan = { label: string | null } | 'end' | 'more';

/** Looks through directory entries for the label, as blkid does; 'end' at the end marker. */
function scanEntries(bytes: Uint8Array): Scan {
  for (let at = 0; at + ENTRY_BYTES <= bytes.length; at += ENTRY_BYTES) {
    const first = bytes[at] ?? 0;
    if (first === 0) return 'end';
    const attributes = (bytes[at + 11] ?? 0) & 0x3f;
    const hasCluster = (bytes[at + 20] ?? 0) | (bytes[at + 21] ?? 0) | (bytes[at + 26] ?? 0) | (bytes[at + 27] ?? 0);
    if (first === ENTRY_DELETED || hasCluster !== 0 || attributes === ATTR_LONG_NAME) continue;
    if ((attributes & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) === ATTR_VOLUME_ID) return { label: fatLabelText(bytes.subarray(at, at + 11)) };
  }
  return 'more';
}

/** The label from the root directory, or null when it has none. */
export async function readFatRootLabel(source: ByteSource, geometry: FatGeometry): Promise<string | null> {
  return geometry.version === 'FAT32' ? fat32RootLabel(source, geometry) : fixedRootLabel(source, geometry);
}

async function fixedRootLabel(source: ByteSource, geometry: FatGeometry): Promise<string | null> {
  const startBytes = (geometry.reservedSectors + geometry.fatCount * geometry.sectorsPerFat) * geometry.bytesPerSector;
  const totalBytes = geometry.rootEntries * ENTRY_BYTES;
  for (let done = 0; done < totalBytes; done += ROOT_PIECE_BYTES) {
    const scan = scanEntries(await source.readAt(startBytes + done, Math.min(ROOT_PIECE_BYTES, totalBytes - done)));
    if (scan === 'end') return null;
    if (scan !== 'more') return scan.label;
  }
  return null;
}

/**
 * Follows the root directory's cluster chain (at most MAX_ROOT_CLUSTERS clusters of at most
 * 512 KiB each; a loop is an error). Stops at the end-of-directory entry, where blkid reads on
 * through the rest of the chain: entries after the end marker are free by definition.
 */
async function fat32RootLabel(source: ByteSource, geometry: FatGeometry): Promise<string | null> {
  const visited = new Set<number>();
  let cluster = geometry.rootCluster;
  while (visited.size < MAX_ROOT_CLUSTERS) {
    visited.add(cluster);
    const offsetBytes = (geometry.dataStartSector + (cluster - 2) * geometry.sectorsPerCluster) * geometry.bytesPerSector;
    const scan = scanEntries(await source.readAt(offsetBytes, geometry.clusterSizeBytes));
    if (scan === 'end') return null;
    if (scan !== 'more') return scan.label;
    const next = await readFatEntry(source, geometry, cluster);
    if (next >= END_OF_CHAIN[32]) return null;
    if (next < 2 || next > geometry.clusterCount + 1) {
      throw fatCorrupt(`The root directory's cluster chain goes from cluster ${cluster} to ${next}, which is not a data cluster`);
    }
    if (visited.has(next)) throw fatCorrupt(`The root directory's cluster chain loops back to cluster ${next}`);
    cluster = next;
  }
  return null;
}
