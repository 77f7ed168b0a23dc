import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { ATTRIBUTE_LIST, attributesOf } from '../../../../recovery/filesystems/ntfs/ntfs-attributes.js';
import { ntfsProber } from '../../../../recovery/filesystems/ntfs/ntfs-probe.js';
import { ntfsUsedClusters } from '../../../../recovery/filesystems/ntfs/ntfs-used-clusters.js';
import { NtfsVolume } from '../../../../recovery/filesystems/ntfs/ntfs-volume.js';
import { loadNtfsFixture } from './ntfs-fixture.js';
import { attributeAt, editRecord } from './ntfs-patch.js';

/** Merges runs that continue each other on disk, so two decoders can be compared run for run. */
function merged(runs: ReadonlyArray<{ lcn: number | null; lengthClusters: number }>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const run of runs) {
    const last = out.at(-1);
    if (last && last[0] + last[1] === run.lcn) last[1] += run.lengthClusters;
    else out.push([run.lcn ?? -1, run.lengthClusters]);
  }
  return out;
}

describe.each(['small-512', 'fragmented-mft'] as const)('the %s volume made by mkntfs and ntfs-3g', (name) => {
  const fixture = loadNtfsFixture(name);
  const { expected } = fixture;
  const source = bufferSource(fixture.image);

  it("is described as blkid describes it, with partclone's cluster size and used space", async () => {
    const info = await ntfsProber.probe(source);
    expect(info).toEqual({
      type: expected.blkid.TYPE,
      version: null,
      label: expected.blkid.LABEL,
      uuid: expected.blkid.UUID,
      sizeBytes: expected.sizeBytes,
      blockSizeBytes: expected.partclone.blockSizeBytes,
      usedBytes: expected.partclone.usedBlocks * expected.partclone.blockSizeBytes,
      dirty: false,
      dirtyReason: null,
    });
  });

  it("maps exactly partclone's used clusters plus the block holding the backup boot sector", async () => {
    const info = await ntfsProber.probe(source);
    const map = await ntfsUsedClusters(source, info!);
    const totalBlocks = expected.sizeBytes / expected.clusterBytes;
    expect(map.blockSizeBytes).toBe(expected.clusterBytes);
    expect(map.totalBlocks).toBe(totalBlocks);
    // partclone covers the volume's clusters only; the backup boot sector is in the block after them.
    expect(expected.partclone.totalBlocks).toBe(totalBlocks - 1);
    const lastRun = expected.partclone.usedRuns.at(-1)!;
    const oracle =
      lastRun[0] + lastRun[1] === totalBlocks - 1
        ? [...expected.partclone.usedRuns.slice(0, -1), [lastRun[0], lastRun[1] + 1]]
        : [...expected.partclone.usedRuns, [totalBlocks - 1, 1]];
    expect(map.used.toJSON()).toEqual(oracle);
    expect(map.used.totalBlocks).toBe(expected.partclone.usedBlocks + 1);
  });

  it("decodes $MFT's runs as ntfsinfo does, through its attribute list when it has one", async () => {
    const volume = await NtfsVolume.open(source);
    expect(merged(volume.mftRuns)).toEqual(merged(expected.ntfsinfo.mftRuns));
    const hasList = attributesOf(await volume.readRecord(0)).some((attribute) => attribute.type === ATTRIBUTE_LIST);
    expect(hasList).toBe(expected.ntfsinfo.mftExtensionRecords.length > 0);
  });
});

describe('the fragmented-mft fixture', () => {
  it("really is fragmented, with $MFT's runs in extension records named by a non-resident attribute list", async () => {
    const { image, expected } = loadNtfsFixture('fragmented-mft');
    const volume = await NtfsVolume.open(bufferSource(image));
    expect(volume.mftRuns.length).toBe(expected.ntfsinfo.mftRuns.length);
    expect(volume.mftRuns.length).toBeGreaterThan(500);
    expect(expected.ntfsinfo.mftExtensionRecords).toEqual([15, 17, 18, 19]);
    expect(expected.ntfsinfo.mftAttributeListRuns).toHaveLength(1);
    for (const record of expected.ntfsinfo.mftExtensionRecords) expect((await volume.readRecord(record)).baseRecordNumber).toBe(0);
  });
});

describe('the small-512 volume in other situations', () => {
  it("keeps the backup boot sector after the volume and the partition's last sector when the partition is larger", async () => {
    const { image, expected } = loadNtfsFixture('small-512');
    const partition = new Uint8Array(image.length + 1024 * 1024);
    partition.set(image);
    const source = bufferSource(partition);
    const map = await ntfsUsedClusters(source, (await ntfsProber.probe(source))!);
    expect(map.totalBlocks).toBe(partition.length / 512);
    expect(map.used.has(4095)).toBe(true);
    expect(map.used.has(partition.length / 512 - 1)).toBe(true);
    expect(map.used.has(partition.length / 512 - 2)).toBe(false);
    expect(map.used.totalBlocks).toBe(expected.partclone.usedBlocks + 2);
  });

  it('reports dirty when $VOLUME_INFORMATION has the dirty flag (0x0001)', async () => {
    const { image } = loadNtfsFixture('small-512');
    editRecord(image, 3, (record, view) => {
      const at = attributeAt(record, 0x70);
      const flags = at + view.getUint16(at + 0x14, true) + 10;
      view.setUint16(flags, view.getUint16(flags, true) | 0x0001, true);
    });
    const info = await ntfsProber.probe(bufferSource(image));
    expect(info?.dirty).toBe(true);
    expect(info?.dirtyReason).toBe('volume dirty flag set');
  });
});
