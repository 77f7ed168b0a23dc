/**
 * The raw bytes of a table's metadata areas (MBR, EBRs, both GPT copies), for a capture to store
 * and a restore to hand back to planPartitionTableWrites. At most two 4 MiB GPT arrays plus
 * 1025 sectors, so the whole set stays below 13 MiB even on a hostile disk.
 */
import type { ByteSource } from '../core/byte-source.js';
import type { MetadataArea, PartitionTable } from './partition-table.js';

export interface MetadataBytes extends MetadataArea {
  bytes: Uint8Array;
}

export async function readMetadataAreas(source: ByteSource, table: PartitionTable): Promise<MetadataBytes[]> {
  const result: MetadataBytes[] = [];
  for (const area of table.metadataAreas) {
    // A copy, so a caller that keeps it does not pin (or see changes to) a larger read buffer.
    const bytes = (await source.readAt(area.offsetBytes, area.sizeBytes)).slice();
    result.push({ ...area, bytes });
  }
  return result;
}
