import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError, type ErrorCode } from '../../../../recovery/core/errors.js';
import type { FilesystemInfo } from '../../../../recovery/filesystems/filesystem-types.js';
import { ntfsProber } from '../../../../recovery/filesystems/ntfs/ntfs-probe.js';
import { ntfsUsedClusters } from '../../../../recovery/filesystems/ntfs/ntfs-used-clusters.js';
import { loadNtfsFixture } from './ntfs-fixture.js';
import { attributeAt, editRecord, recordOffset, setRuns } from './ntfs-patch.js';

/**
 * Hostile variants of the real fixtures, one edit each; test/fixtures/hostile/ntfs/README.md
 * lists them. Every one must end in the stated LifeboatError, from the prober and the mapper alike.
 */
interface HostileCase {
  name: string;
  base: 'small-512' | 'fragmented-mft';
  // biome-ignore lint/suspicious/noConfusingVoidType: most edits change the image in place and return nothing
  edit: (image: Uint8Array) => Uint8Array | void;
  code: ErrorCode;
  message: RegExp;
  /** Damage only the prober reads ($Volume): the used-cluster map does not need that record. */
  probeOnly?: boolean;
}

const DATA = 0x80;
const ATTRIBUTE_LIST = 0x20;
const boot = (edit: (v: DataView) => void) => (image: Uint8Array) => edit(new DataView(image.buffer, 0, 512));

/** The fragmented fixture's $ATTRIBUTE_LIST (non-resident, one cluster) as a DataView. */
function attributeList(image: Uint8Array): DataView {
  const { expected } = loadNtfsFixture('fragmented-mft');
  return new DataView(image.buffer, expected.ntfsinfo.mftAttributeListRuns[0]!.lcn * expected.clusterBytes, 256);
}
/** Byte offset of the list entry for $MFT's $DATA extent held in `record`. */
function listEntryFor(list: DataView, record: number): number {
  for (let at = 0; at < 256; at += 32) if (list.getUint32(at, true) === DATA && list.getUint32(at + 16, true) === record) return at;
  throw new Error(`no list entry for record ${record}`);
}

const cases: HostileCase[] = [
  {
    name: 'boot-bytes-per-sector-768',
    base: 'small-512',
    edit: boot((v) => v.setUint16(0x0b, 768, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /768 bytes per sector/,
  },
  {
    name: 'boot-cluster-4-mib',
    base: 'small-512',
    edit: boot((v) => v.setUint8(0x0d, 0xf3)),
    code: 'CORRUPT_FILESYSTEM',
    message: /clusters of 4194304 bytes/,
  },
  {
    name: 'boot-mft-outside-volume',
    base: 'small-512',
    edit: boot((v) => v.setBigUint64(0x30, 5000n, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /\$MFT at cluster 5000.*outside the volume/,
  },
  {
    name: 'boot-total-sectors-2^63',
    base: 'small-512',
    edit: boot((v) => v.setBigUint64(0x28, 1n << 63n, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /total-sectors field holds 9223372036854775808/,
  },
  {
    name: 'boot-volume-larger-than-image',
    base: 'small-512',
    edit: boot((v) => v.setBigUint64(0x28, 8191n, true)),
    code: 'TRUNCATED',
    message: /8191 sectors.*only 2097152 bytes/,
  },
  { name: 'boot-without-55aa', base: 'small-512', edit: boot((v) => v.setUint16(0x1fe, 0, true)), code: 'CORRUPT_FILESYSTEM', message: /55 AA/ },
  { name: 'image-truncated-in-mft', base: 'small-512', edit: (image) => image.slice(0, recordOffset(image, 3)), code: 'TRUNCATED', message: /truncated/ },
  {
    name: 'mft-run-outside-volume',
    base: 'small-512',
    edit: (image) => editRecord(image, 0, (r) => setRuns(r, DATA, [0x21, 182, 0xa0, 0x0f])),
    code: 'CORRUPT_FILESYSTEM',
    message: /clusters 4000 to 4181, outside the volume's 4095 clusters/,
  },
  {
    name: 'mft-run-zero-length',
    base: 'small-512',
    edit: (image) => editRecord(image, 0, (r) => setRuns(r, DATA, [0x11, 0, 32])),
    code: 'CORRUPT_FILESYSTEM',
    message: /run of 0 clusters/,
  },
  {
    name: 'mft-run-absurd-length',
    base: 'small-512',
    edit: (image) => editRecord(image, 0, (r) => setRuns(r, DATA, [0x06, 255, 255, 255, 255, 255, 255])),
    code: 'CORRUPT_FILESYSTEM',
    message: /data run of \d+ clusters on a volume of 4095/,
  },
  {
    name: 'mft-runs-short-of-header',
    base: 'small-512',
    edit: (image) => editRecord(image, 0, (r) => setRuns(r, DATA, [0x11, 100, 32])),
    code: 'CORRUPT_FILESYSTEM',
    message: /cover VCNs 0 to 99, but its header says 0 to 181/,
  },
  {
    name: 'mft-first-run-elsewhere',
    base: 'small-512',
    edit: (image) => editRecord(image, 0, (r) => setRuns(r, DATA, [0x21, 182, 0x00, 0x04])),
    code: 'CORRUPT_FILESYSTEM',
    message: /first data run starts at cluster 1024, but the boot sector says 32/,
  },
  {
    name: 'mft-holds-4-records',
    base: 'small-512',
    edit: (image) =>
      editRecord(image, 0, (r, v) => {
        const at = attributeAt(r, DATA);
        v.setBigUint64(at + 0x30, 4096n, true);
        v.setBigUint64(at + 0x38, 4096n, true);
      }),
    code: 'CORRUPT_FILESYSTEM',
    message: /holds only 4 records/,
  },
  {
    name: 'mft-fixup-mismatch',
    base: 'small-512',
    edit: (image) => {
      image[recordOffset(image, 0) + 510]! ^= 1;
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /MFT record 0 \(\$MFT\) fails its fixup check in 512-byte block 0/,
  },
  {
    name: 'bitmap-record-fixup-mismatch',
    base: 'small-512',
    edit: (image) => {
      image[recordOffset(image, 6) + 1022]! ^= 0x80;
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /MFT record 6 \(\$Bitmap\) fails its fixup check in 512-byte block 1/,
  },
  {
    name: 'attribute-length-zero',
    base: 'small-512',
    edit: (image) => editRecord(image, 0, (_r, v) => v.setUint32(v.getUint16(0x14, true) + 4, 0, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /impossible length of 0 bytes/,
  },
  {
    name: 'attribute-length-past-record',
    base: 'small-512',
    edit: (image) => editRecord(image, 3, (_r, v) => v.setUint32(v.getUint16(0x14, true) + 4, 0x10000, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /MFT record 3 \(\$Volume\).*impossible length of 65536/,
    probeOnly: true,
  },
  {
    name: 'attributes-without-end-marker',
    base: 'small-512',
    edit: (image) =>
      editRecord(image, 6, (_r, v) => {
        const first = v.getUint16(0x14, true);
        v.setUint32(0x18, first + v.getUint32(first + 4, true), true);
      }),
    code: 'CORRUPT_FILESYSTEM',
    message: /no end-of-attributes marker/,
  },
  {
    name: 'record-marked-baad',
    base: 'small-512',
    edit: (image) => {
      image.set([0x42, 0x41, 0x41, 0x44], recordOffset(image, 3));
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /\$Volume\) is marked BAAD/,
    probeOnly: true,
  },
  {
    name: 'record-not-in-use',
    base: 'small-512',
    edit: (image) => editRecord(image, 6, (_r, v) => v.setUint16(0x16, 0, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /\$Bitmap\) is not marked in use/,
  },
  {
    name: 'record-number-wrong',
    base: 'small-512',
    edit: (image) => editRecord(image, 6, (_r, v) => v.setUint32(0x2c, 7, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /says it is record 7/,
  },
  {
    name: 'bitmap-shorter-than-clusters',
    base: 'small-512',
    edit: (image) =>
      editRecord(image, 6, (r, v) => {
        const at = attributeAt(r, DATA);
        v.setBigUint64(at + 0x30, 100n, true);
        v.setBigUint64(at + 0x38, 100n, true);
      }),
    code: 'CORRUPT_FILESYSTEM',
    message: /\$Bitmap holds 100 bytes, but the volume's 4095 clusters need 512/,
  },
  {
    name: 'bitmap-run-outside-volume',
    base: 'small-512',
    edit: (image) => editRecord(image, 6, (r) => setRuns(r, DATA, [0x21, 1, 0xff, 0x0f])),
    code: 'CORRUPT_FILESYSTEM',
    message: /clusters 4095 to 4095, outside the volume/,
  },
  {
    name: 'bitmap-sparse',
    base: 'small-512',
    edit: (image) => editRecord(image, 6, (r) => setRuns(r, DATA, [0x01, 1])),
    code: 'CORRUPT_FILESYSTEM',
    message: /\$Bitmap needs cluster 0 of the attribute, which its data runs mark sparse/,
  },
  {
    name: 'attribute-list-repeats-an-extent',
    base: 'fragmented-mft',
    edit: (image) => {
      const list = attributeList(image);
      const from = listEntryFor(list, 15);
      const to = listEntryFor(list, 17);
      for (let i = 0; i < 32; i++) list.setUint8(to + i, list.getUint8(from + i));
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /extents do not follow each other/,
  },
  {
    name: 'attribute-list-points-back-to-base',
    base: 'fragmented-mft',
    edit: (image) => {
      const list = attributeList(image);
      list.setUint32(listEntryFor(list, 15) + 16, 0, true);
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /extent starting at VCN 1277 is not in MFT record 0/,
  },
  {
    name: 'attribute-list-points-outside-mft',
    base: 'fragmented-mft',
    edit: (image) => {
      const list = attributeList(image);
      list.setUint32(listEntryFor(list, 17) + 16, 1_000_000, true);
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /MFT record 1000000 is referenced but lies outside/,
  },
  {
    name: 'attribute-list-entry-length-zero',
    base: 'fragmented-mft',
    edit: (image) => {
      const list = attributeList(image);
      list.setUint16(64 + 4, 0, true);
    },
    code: 'CORRUPT_FILESYSTEM',
    message: /entry at byte 64 with an impossible length of 0/,
  },
  {
    name: 'attribute-list-2-gib',
    base: 'fragmented-mft',
    edit: (image) =>
      editRecord(image, 0, (r, v) => {
        const at = attributeAt(r, ATTRIBUTE_LIST);
        for (const field of [0x28, 0x30, 0x38]) v.setBigUint64(at + field, 1n << 31n, true);
      }),
    code: 'LIMIT_EXCEEDED',
    message: /\$ATTRIBUTE_LIST is 2147483648 bytes long/,
  },
  {
    name: 'extension-record-of-another-file',
    base: 'fragmented-mft',
    edit: (image) => editRecord(image, 15, (_r, v) => v.setUint32(0x20, 17, true)),
    code: 'CORRUPT_FILESYSTEM',
    message: /lists MFT record 15 as an extension, but that record belongs to record 17/,
  },
];

const anyInfo: FilesystemInfo = {
  type: 'ntfs',
  version: null,
  label: null,
  uuid: null,
  sizeBytes: null,
  blockSizeBytes: null,
  usedBytes: null,
  dirty: null,
  dirtyReason: null,
};

async function failure(run: () => Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await run();
  } catch (error) {
    if (!isLifeboatError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected a LifeboatError, but the volume was accepted');
}

describe('hostile NTFS volumes', () => {
  const bases = { 'small-512': loadNtfsFixture('small-512').image, 'fragmented-mft': loadNtfsFixture('fragmented-mft').image };

  it.each(cases)('$name: $code', async ({ base, edit, code, message, probeOnly }) => {
    const image = bases[base].slice();
    const source = bufferSource(edit(image) ?? image);
    const probed = await failure(() => ntfsProber.probe(source));
    expect(probed.code).toBe(code);
    expect(probed.message).toMatch(message);
    expect(probed.message).toMatch(/chkdsk|whole partition/);
    if (probeOnly) await expect(ntfsUsedClusters(source, anyInfo)).resolves.toBeDefined();
    else expect(await failure(() => ntfsUsedClusters(source, anyInfo))).toEqual(probed);
  });

  it('says "not NTFS" (null) for other data and for sources too small to hold a boot sector', async () => {
    const image = bases['small-512'].slice();
    image.set(new TextEncoder().encode('MSDOS5.0'), 3);
    expect(await ntfsProber.probe(bufferSource(image))).toBeNull();
    expect(await ntfsProber.probe(bufferSource(bases['small-512'].slice(0, 100)))).toBeNull();
    const notNtfs = await failure(() => ntfsUsedClusters(bufferSource(image), anyInfo));
    expect(notNtfs.code).toBe('CORRUPT_FILESYSTEM');
    expect(notNtfs.message).toMatch(/not an NTFS volume/);
  });
});
