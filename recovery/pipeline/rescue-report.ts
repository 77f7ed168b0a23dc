/**
 * What a --rescue capture's unreadable sectors cost: each bad range placed in its extent
 * (partition or gap) and, where the filesystem has an owner mapper (ext2/3/4, NTFS), the files
 * and structures whose bytes it held. The mappers read the filesystem's metadata from the source
 * again, through rescue-source (known bad sectors read as zeros, never from the disk).
 */
import { sectorSource, sliceSource } from '../core/byte-source.js';
import { isLifeboatError } from '../core/errors.js';
import type { Disk } from '../disks/disk.js';
import { MAX_OWNERS_PER_RANGE, ownerMapperFor, type ByteOwner } from '../filesystems/byte-owners.js';
import { badSectorCount, MAX_DESCRIBED_BAD_RANGES } from '../repository/snapshot-bad-ranges.js';
import type { RescueRangeRecord, RescueRecord } from '../repository/snapshot-types.js';
import type { PlannedExtent } from './extents.js';
import type { ProgressTracker } from './progress.js';
import type { RescueOutcome } from './rescue-chunk-reader.js';
import type { ExactReader } from './rescue-reader.js';
import { rescuedSectorReader } from './rescue-source.js';

function extentOfSector(extents: readonly PlannedExtent[], offsetBytes: number): number {
  return extents.findIndex((e) => offsetBytes >= e.startBytes && offsetBytes < e.startBytes + e.sizeBytes);
}

/** Describes the first MAX_DESCRIBED_BAD_RANGES bad ranges, in order. */
export async function describeBadRanges(
  disk: Disk,
  exact: ExactReader,
  extents: readonly PlannedExtent[],
  badPairs: Float64Array,
): Promise<RescueRangeRecord[]> {
  const ss = disk.logicalSectorSize;
  const records: RescueRangeRecord[] = [];
  for (let i = 0; i < badPairs.length && records.length < MAX_DESCRIBED_BAD_RANGES; i += 2) {
    const firstSector = badPairs[i] ?? 0;
    const extent = extentOfSector(extents, firstSector * ss);
    const planned = extents[extent];
    records.push({
      firstSector,
      sectorCount: badPairs[i + 1] ?? 0,
      extent,
      partition: planned?.kind === 'partition' ? planned.number : null,
      owners: [],
      ownersNote: null,
    });
  }
  const reader = sectorSource(rescuedSectorReader(disk, exact, badPairs));
  for (const [e, extent] of extents.entries()) {
    const mine = records.filter((r) => r.extent === e);
    if (mine.length === 0) continue;
    const type = extent.filesystem?.type;
    const mapper = type ? ownerMapperFor(type) : null;
    if (!mapper) {
      const note =
        extent.kind === 'gap' ? 'boot code outside every partition' : `Lifeboat cannot name files on ${type ?? 'a partition without a filesystem it knows'}`;
      for (const record of mine) record.ownersNote = note;
      continue;
    }
    let owners: ByteOwner[][];
    try {
      owners = await mapper(
        sliceSource(reader, extent.startBytes, extent.sizeBytes),
        mine.map((r) => ({ offsetBytes: r.firstSector * ss - extent.startBytes, lengthBytes: r.sectorCount * ss })),
      );
    } catch (error) {
      if (!isLifeboatError(error)) throw error;
      for (const record of mine) record.ownersNote = `the files could not be named: ${error.message}`;
      continue;
    }
    mine.forEach((record, i) => {
      const list = owners[i] ?? [];
      record.owners = list.slice(0, MAX_OWNERS_PER_RANGE);
      if (list.length > MAX_OWNERS_PER_RANGE) record.ownersNote = `more than ${MAX_OWNERS_PER_RANGE} owners; the rest are not listed`;
      else if (list.length === 0) record.ownersNote = 'no owner was found';
    });
  }
  return records;
}

/** The manifest's rescue record and bad-range section for a finished --rescue capture. */
export async function rescueRecordOf(
  disk: Disk,
  exact: ExactReader,
  extents: readonly PlannedExtent[],
  outcome: RescueOutcome,
  progress: ProgressTracker,
): Promise<{ record: RescueRecord; badRanges: Float64Array }> {
  if (outcome.badRanges.length > 0) {
    // Reading a big filesystem's inode tables or MFT takes a while: say what is going on.
    progress.startPhase('rescue', 0);
    progress.startItem(1, 1, 'naming the files and structures in the unreadable areas', 0);
  }
  const ranges = await describeBadRanges(disk, exact, extents, outcome.badRanges);
  const badRangeCount = outcome.badRanges.length / 2;
  return {
    record: {
      badSectorCount: badSectorCount(outcome.badRanges),
      badRangeCount,
      passes: outcome.passes,
      ranges,
      rangesNotDescribed: badRangeCount - ranges.length,
    },
    badRanges: outcome.badRanges,
  };
}
