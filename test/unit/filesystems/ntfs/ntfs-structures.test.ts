import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { decodeDataRuns } from '../../../../recovery/filesystems/ntfs/data-runs.js';
import { applyFixups } from '../../../../recovery/filesystems/ntfs/mft-record.js';
import type { NtfsAttribute } from '../../../../recovery/filesystems/ntfs/ntfs-attributes.js';
import { parseNtfsBootSector } from '../../../../recovery/filesystems/ntfs/ntfs-boot-sector.js';
import { countSetBits } from '../../../../recovery/filesystems/ntfs/ntfs-bitmap.js';
import { loadNtfsFixture } from './ntfs-fixture.js';

function bootSector(edit: (v: DataView) => void): Uint8Array {
  const sector = loadNtfsFixture('small-512').image.slice(0, 512);
  edit(new DataView(sector.buffer));
  return sector;
}

/** A non-resident attribute whose run list is `runs`, covering VCNs startVcn..lastVcn. */
function attributeWithRuns(runs: number[], startVcn: number, lastVcn: number): NtfsAttribute {
  const bytes = new Uint8Array(0x40 + runs.length + 8);
  bytes.set(runs, 0x40);
  return {
    type: 0x80,
    name: '',
    bytes,
    value: null,
    nonResident: { startVcn, lastVcn, runsOffset: 0x40, allocatedSizeBytes: 0, dataSizeBytes: 0, initializedSizeBytes: 0 },
  };
}

function corruptMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isLifeboatError(error) && error.code === 'CORRUPT_FILESYSTEM') return error.message;
    throw error;
  }
  throw new Error('expected CORRUPT_FILESYSTEM');
}

describe('NTFS boot sector', () => {
  it('reads the geometry mkntfs wrote', () => {
    const geometry = parseNtfsBootSector(loadNtfsFixture('small-512').image.subarray(0, 512));
    expect(geometry).toMatchObject({
      bytesPerSector: 512,
      sectorsPerCluster: 1,
      clusterSizeBytes: 512,
      totalSectors: 4095,
      clusterCount: 4095,
      mftRecordSizeBytes: 1024,
    });
    expect(geometry.serialNumber).toMatch(/^[0-9A-F]{16}$/);
  });

  it('decodes sectors-per-cluster above 128 as a power of two, up to 2 MiB clusters', () => {
    const geometry = parseNtfsBootSector(
      bootSector((v) => {
        v.setUint8(0x0d, 0xf4);
        v.setBigUint64(0x28, 4096n * 4096n, true);
        v.setInt8(0x40, -10);
      }),
    );
    expect(geometry.sectorsPerCluster).toBe(4096);
    expect(geometry.clusterSizeBytes).toBe(2 * 1024 * 1024);
    expect(corruptMessage(() => parseNtfsBootSector(bootSector((v) => v.setUint8(0x0d, 0xf3))))).toMatch(/clusters of 4194304 bytes/);
    expect(corruptMessage(() => parseNtfsBootSector(bootSector((v) => v.setUint8(0x0d, 3))))).toMatch(/sectors-per-cluster/);
  });

  it('reads a negative clusters-per-record byte as 2^-v bytes', () => {
    expect(parseNtfsBootSector(bootSector((v) => v.setInt8(0x40, -12))).mftRecordSizeBytes).toBe(4096);
    expect(parseNtfsBootSector(bootSector((v) => v.setInt8(0x40, 2))).mftRecordSizeBytes).toBe(1024);
    expect(corruptMessage(() => parseNtfsBootSector(bootSector((v) => v.setInt8(0x40, -128))))).toMatch(/MFT-record/);
  });

  it('prints the serial number as blkid does: the 64-bit value in upper-case hex', () => {
    const geometry = parseNtfsBootSector(bootSector((v) => v.setBigUint64(0x48, 0x0123456789abcdefn, true)));
    expect(geometry.serialNumber).toBe('0123456789ABCDEF');
  });
});

describe('NTFS fixups', () => {
  function record(strides: number): Uint8Array {
    const bytes = new Uint8Array(strides * 512);
    const v = new DataView(bytes.buffer);
    v.setUint16(4, 0x30, true);
    v.setUint16(6, strides + 1, true);
    v.setUint16(0x30, 0x0007, true);
    for (let i = 0; i < strides; i++) {
      v.setUint16(0x32 + 2 * i, 0xa000 + i, true);
      v.setUint16((i + 1) * 512 - 2, 0x0007, true);
    }
    return bytes;
  }

  it('puts the saved bytes back at the end of every 512-byte stride', () => {
    const bytes = record(2);
    applyFixups(bytes, 'test record');
    expect(new DataView(bytes.buffer).getUint16(510, true)).toBe(0xa000);
    expect(new DataView(bytes.buffer).getUint16(1022, true)).toBe(0xa001);
  });

  it('rejects a stride whose last bytes are not the sequence number (a torn write)', () => {
    const bytes = record(2);
    bytes[1022] = 0x08;
    expect(corruptMessage(() => applyFixups(bytes, 'test record'))).toMatch(/fixup check in 512-byte block 1/);
  });

  it('rejects an update sequence array of the wrong size or outside the first stride', () => {
    const wrongCount = record(2);
    new DataView(wrongCount.buffer).setUint16(6, 2, true);
    expect(corruptMessage(() => applyFixups(wrongCount, 'test record'))).toMatch(/update sequence array/);
    const outside = record(2);
    new DataView(outside.buffer).setUint16(4, 508, true);
    expect(corruptMessage(() => applyFixups(outside, 'test record'))).toMatch(/update sequence array/);
  });
});

describe('NTFS data runs', () => {
  it('decodes signed relative offsets and sparse runs', () => {
    // 16 clusters at 100; 8 sparse; 4 clusters at 100 - 30 = 70; 2 clusters at 70 + 1000 = 1070.
    const runs = decodeDataRuns(attributeWithRuns([0x11, 16, 100, 0x01, 8, 0x11, 4, 0xe2, 0x21, 2, 0xe8, 0x03, 0], 0, 29), 2000, 'test');
    expect(runs).toEqual([
      { vcn: 0, lcn: 100, lengthClusters: 16 },
      { vcn: 16, lcn: null, lengthClusters: 8 },
      { vcn: 24, lcn: 70, lengthClusters: 4 },
      { vcn: 28, lcn: 1070, lengthClusters: 2 },
    ]);
  });

  it("rejects runs outside the volume, before cluster 0, of zero length or not covering the header's VCNs", () => {
    expect(corruptMessage(() => decodeDataRuns(attributeWithRuns([0x21, 4, 0xd0, 0x07, 0], 0, 3), 2000, 'test'))).toMatch(/outside the volume/);
    expect(corruptMessage(() => decodeDataRuns(attributeWithRuns([0x11, 4, 0xf0, 0], 0, 3), 2000, 'test'))).toMatch(/outside the volume/);
    expect(corruptMessage(() => decodeDataRuns(attributeWithRuns([0x11, 0, 10, 0], 0, -1), 2000, 'test'))).toMatch(/run of 0 clusters/);
    expect(corruptMessage(() => decodeDataRuns(attributeWithRuns([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0], 0, 3), 2000, 'test'))).toMatch(
      /data run of/,
    );
    expect(corruptMessage(() => decodeDataRuns(attributeWithRuns([0x11, 4, 10, 0], 0, 9), 2000, 'test'))).toMatch(/cover VCNs 0 to 3/);
    expect(corruptMessage(() => decodeDataRuns(attributeWithRuns([0x91, 4, 10, 0], 0, 3), 2000, 'test'))).toMatch(/malformed data run header/);
  });
});

describe('counting set bits', () => {
  it('counts only the bits that stand for clusters', () => {
    expect(countSetBits(Uint8Array.of(0xff, 0xff, 0xff), 20)).toBe(20);
    expect(countSetBits(Uint8Array.of(0x0f, 0x80), 9)).toBe(4);
  });
});
