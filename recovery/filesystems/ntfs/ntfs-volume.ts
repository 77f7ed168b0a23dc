/**
 * An opened NTFS volume: its geometry and the runs of $MFT, which is all that is needed to read
 * any MFT record. $MFT describes itself (record 0); when it is very fragmented the later runs
 * sit in extension records listed by record 0's $ATTRIBUTE_LIST, and those records always lie in
 * the part of the MFT that record 0's own runs already cover.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { LifeboatError } from '../../core/errors.js';
import { collectDataRuns } from './attribute-list.js';
import { DATA } from './ntfs-attributes.js';
import { BOOT_SECTOR_BYTES, parseNtfsBootSector, type NtfsGeometry } from './ntfs-boot-sector.js';
import { runIndexAt, runsLengthClusters, type DataRun } from './data-runs.js';
import { ntfsCorrupt } from './ntfs-errors.js';
import { parseMftRecord, recordName, RECORD_IN_USE, type MftRecord } from './mft-record.js';

/** The records Lifeboat reads: $MFT, $Volume and $Bitmap, so the MFT must hold at least 7. */
export const MFT_RECORD = 0;
export const VOLUME_RECORD = 3;
export const BITMAP_RECORD = 6;

/** What a non-resident attribute's runs and sizes say, once all its extents are joined. */
export interface AttributeRuns {
  runs: DataRun[];
  dataSizeBytes: number;
  initializedSizeBytes: number;
}

export class NtfsVolume {
  private constructor(
    readonly source: ByteSource,
    readonly geometry: NtfsGeometry,
    /** $MFT's runs; filled while opening (extension records are read through the runs known so far). */
    readonly mftRuns: DataRun[],
    private mftRecordCount: number,
  ) {}

  /** Reads the boot sector and $MFT's runs. Throws CORRUPT_FILESYSTEM or TRUNCATED on damage. */
  static async open(source: ByteSource): Promise<NtfsVolume> {
    const geometry = parseNtfsBootSector(await source.readAt(0, BOOT_SECTOR_BYTES));
    if (geometry.totalSectors * geometry.bytesPerSector > source.sizeBytes) {
      throw new LifeboatError(
        'TRUNCATED',
        `NTFS: the volume says it holds ${geometry.totalSectors} sectors of ${geometry.bytesPerSector} bytes, but the partition or image has only ${source.sizeBytes} bytes; it is truncated, or the boot sector is damaged. Image the whole partition and check the source.`,
      );
    }
    // Until record 0 is decoded, assume the records it needs sit where the boot sector says the MFT starts.
    const recordClusters = Math.ceil(geometry.mftRecordSizeBytes / geometry.clusterSizeBytes);
    const volume = new NtfsVolume(source, geometry, [{ vcn: 0, lcn: geometry.mftCluster, lengthClusters: recordClusters }], 1);
    const base = await volume.readRecord(MFT_RECORD);
    volume.mftRuns.length = 0;
    const mft = await collectDataRuns(volume, base, DATA, volume.mftRuns, () => volume.allowRecordsUpTo(volume.mftRuns));
    const firstLcn = volume.mftRuns[0]?.lcn;
    if (firstLcn !== geometry.mftCluster) {
      throw ntfsCorrupt(`$MFT's first data run starts at cluster ${String(firstLcn)}, but the boot sector says ${geometry.mftCluster}`);
    }
    const coveredBytes = runsLengthClusters(volume.mftRuns) * geometry.clusterSizeBytes;
    if (mft.dataSizeBytes > coveredBytes) throw ntfsCorrupt(`$MFT is ${mft.dataSizeBytes} bytes long but its runs cover only ${coveredBytes}`);
    volume.mftRecordCount = Math.floor(mft.dataSizeBytes / geometry.mftRecordSizeBytes);
    if (volume.mftRecordCount <= BITMAP_RECORD) throw ntfsCorrupt(`$MFT holds only ${volume.mftRecordCount} records; a volume has at least 16`);
    return volume;
  }

  get recordCount(): number {
    return this.mftRecordCount;
  }

  /**
   * Reads, fixes up and checks one MFT record that must be in use. During open, extension
   * records are read through the runs found so far; a record outside them is damage.
   */
  async readRecord(recordNumber: number): Promise<MftRecord> {
    const recordBytes = this.geometry.mftRecordSizeBytes;
    if (!Number.isSafeInteger(recordNumber) || recordNumber < 0 || recordNumber >= Math.max(this.mftRecordCount, 1)) {
      throw ntfsCorrupt(`${recordName(recordNumber)} is referenced but lies outside the ${this.mftRecordCount} records of the MFT known so far`);
    }
    const raw = await this.readRuns(this.mftRuns, recordNumber * recordBytes, recordBytes, `$MFT (reading ${recordName(recordNumber)})`);
    const record = parseMftRecord(raw, recordNumber);
    if ((record.flags & RECORD_IN_USE) === 0) throw ntfsCorrupt(`${recordName(recordNumber)} is not marked in use`);
    return record;
  }

  /** Lets open() read extension records through runs still being collected. */
  private allowRecordsUpTo(runs: readonly DataRun[]): void {
    const known = Math.floor((runsLengthClusters(runs) * this.geometry.clusterSizeBytes) / this.geometry.mftRecordSizeBytes);
    this.mftRecordCount = Math.max(this.mftRecordCount, known);
  }

  /**
   * Reads `lengthBytes` at `offsetBytes` of an attribute described by `runs`. Sparse or missing
   * clusters are damage here: Lifeboat only reads metadata ($MFT, $Bitmap, attribute lists),
   * which NTFS never stores sparse. The caller bounds `lengthBytes`.
   */
  async readRuns(runs: readonly DataRun[], offsetBytes: number, lengthBytes: number, what: string): Promise<Uint8Array> {
    const clusterBytes = this.geometry.clusterSizeBytes;
    const out = new Uint8Array(lengthBytes);
    let done = 0;
    while (done < lengthBytes) {
      const position = offsetBytes + done;
      const vcn = Math.floor(position / clusterBytes);
      const run = runs[runIndexAt(runs, vcn)];
      if (run === undefined || run.lcn === null) {
        throw ntfsCorrupt(`${what} needs cluster ${vcn} of the attribute, which its data runs ${run === undefined ? 'do not map' : 'mark sparse'}`);
      }
      const runEndBytes = (run.vcn + run.lengthClusters) * clusterBytes;
      const piece = Math.min(lengthBytes - done, runEndBytes - position);
      const volumeOffset = (run.lcn - run.vcn) * clusterBytes + position;
      out.set(await this.source.readAt(volumeOffset, piece), done);
      done += piece;
    }
    return out;
  }
}
