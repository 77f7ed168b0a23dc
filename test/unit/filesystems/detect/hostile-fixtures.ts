/**
 * The hostile and damaged inputs kept in test/fixtures/hostile/detect/, generated here so each
 * one can be rebuilt and its purpose read in code. They are stored as sparse JSON (size plus the
 * non-zero runs in hex) because several formats put their metadata past 64 KiB.
 */
import { buildBtrfs, buildLuks2, buildLvm2Label, buildMdV090, buildMdV1, buildSwap, buildXfs } from './builders/linux-images.js';
import { buildApfs, buildBitLocker, buildHfsPlus, buildIso9660 } from './builders/other-images.js';
import { ImageWriter } from './builders/image-writer.js';

export type Expectation =
  | { code: 'CORRUPT_FILESYSTEM' | 'TRUNCATED' | 'LIMIT_EXCEEDED'; messageIncludes: string }
  | { result: null }
  | { result: Record<string, unknown> };

export interface HostileFixture {
  name: string;
  /** The detect-only prober's type that must handle it. */
  prober: string;
  exercises: string;
  expect: Expectation;
  bytes: Uint8Array;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const btrfs = (tweak?: (w: ImageWriter) => void): Uint8Array =>
  buildBtrfs({
    fsid: '00112233445566778899aabbccddeeff',
    devUuid: 'ffeeddccbbaa99887766554433221100',
    label: 'hostile',
    totalBytes: 2 * MiB,
    sizeBytes: 72 * KiB,
    tweak,
  });
const xfs = (o: { agCount?: number; agBlocks?: number; dataBlocks?: number | bigint } = {}): Uint8Array =>
  buildXfs({
    uuid: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    label: 'hostile',
    agCount: o.agCount ?? 4,
    agBlocks: o.agBlocks ?? 64,
    dataBlocks: o.dataBlocks ?? 256,
    sizeBytes: 4 * KiB,
  });
const swap = (): Uint8Array => buildSwap({ pageSize: 4096, lastPage: 9, uuid: '11112222333344445555666677778888', label: 'hostile' });
const luks = (o: Partial<Parameters<typeof buildLuks2>[0]> = {}): Uint8Array =>
  buildLuks2({ uuid: '5b1c4d2e-0000-4000-8000-123456789abc', label: 'vault', subsystem: '', sizeBytes: 64 * KiB, ...o });
const lvm = (tweak?: (w: ImageWriter) => void): Uint8Array =>
  buildLvm2Label({ pvUuid32: 'a7K7F1eHkboVx42Zytls8lJDeTJ3Gzeg', deviceSizeBytes: 2 * MiB, sizeBytes: 4 * KiB, tweak });
const md1 = (o: { maxDevices?: number; tweak?: (w: ImageWriter) => void } = {}): Uint8Array =>
  buildMdV1({
    version: '1.2',
    sizeBytes: 16 * KiB,
    arrayUuid: '0123456789abcdef0011223344556677',
    deviceUuid: 'fedcba98765432100123456789abcdef',
    name: 'host:md0',
    ...o,
  });
const md090 = (o: { usedKiB?: number; tweak?: (w: ImageWriter) => void } = {}): Uint8Array =>
  buildMdV090({ sizeBytes: 130 * KiB, uuidWords: [1, 2, 3, 4], ...o });
const hfs = (): Uint8Array => buildHfsPlus({ label: 'Hostile', volumeId: '0102030405060708', totalBlocks: 64 });
const apfs = (o: { blockCount?: number | bigint; tweak?: (w: ImageWriter) => void } = {}): Uint8Array =>
  buildApfs({ uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', blockCount: 2560, sizeBytes: 4 * KiB, ...o });

function patch(bytes: Uint8Array, edit: (w: ImageWriter) => void): Uint8Array {
  const writer = new ImageWriter(bytes.length);
  writer.raw(0, bytes);
  edit(writer);
  return writer.bytes;
}

const corrupt = (messageIncludes: string): Expectation => ({ code: 'CORRUPT_FILESYSTEM', messageIncludes });

export function hostileFixtures(): HostileFixture[] {
  return [
    {
      name: 'btrfs-bad-checksum',
      prober: 'btrfs',
      exercises: 'a btrfs superblock whose label changed after its CRC-32C was written',
      expect: corrupt('fails its CRC-32C checksum'),
      bytes: patch(btrfs(), (w) => w.text(65536 + 299, 'X')),
    },
    {
      name: 'btrfs-magic-only',
      prober: 'btrfs',
      exercises: 'the btrfs magic at 64 KiB + 0x40 and nothing else',
      expect: corrupt('fails its CRC-32C checksum'),
      bytes: new ImageWriter(72 * KiB).text(65536 + 64, '_BHRfS_M').bytes,
    },
    {
      name: 'btrfs-wrong-bytenr',
      prober: 'btrfs',
      exercises: 'a correctly checksummed superblock that claims to live at byte 0',
      expect: corrupt('is inconsistent (bytenr 0'),
      bytes: btrfs((w) => w.u64(48, 0, true)),
    },
    {
      name: 'xfs-magic-only',
      prober: 'xfs',
      exercises: '"XFSB" followed by zeros: a weak magic that the sanity checks must reject',
      expect: { result: null },
      bytes: new ImageWriter(4 * KiB).text(0, 'XFSB').bytes,
    },
    {
      name: 'xfs-bad-crc',
      prober: 'xfs',
      exercises: 'a v5 superblock changed after its CRC was written',
      expect: corrupt('fails its CRC-32C checksum'),
      bytes: patch(xfs(), (w) => w.text(108, 'Z')),
    },
    {
      name: 'xfs-overflowing-size',
      prober: 'xfs',
      exercises: '2^50 blocks of 4 KiB: a count that fits in a number, a size in bytes that does not',
      expect: corrupt('larger than any real disk'),
      bytes: xfs({ agCount: 2 ** 20, agBlocks: 2 ** 30, dataBlocks: 2 ** 50 }),
    },
    {
      name: 'xfs-huge-block-count',
      prober: 'xfs',
      exercises: 'allocation-group counts whose product passes 2^53 blocks',
      expect: corrupt('more than any real disk holds'),
      bytes: xfs({ agCount: 0xffffffff, agBlocks: 0xffffffff, dataBlocks: 0xffffffffn * 0xffffffffn }),
    },
    {
      name: 'swap-zero-last-page',
      prober: 'swap',
      exercises: 'a SWAPSPACE2 signature over a header that says the area has no pages',
      expect: { result: null },
      bytes: patch(swap(), (w) => w.u32(1028, 0, true)),
    },
    {
      name: 'swap-garbage-padding',
      prober: 'swap',
      exercises: 'non-zero padding where blkid stops trusting the label and UUID',
      expect: { result: { type: 'swap', version: '1', label: null, uuid: null } },
      bytes: patch(swap(), (w) => w.u32(1024 + 44 + 32 * 4, 0xdeadbeef, true)),
    },
    {
      name: 'swap-tuxonice',
      prober: 'swap',
      exercises: 'a TuxOnIce hibernation image, which keeps a valid swap signature',
      expect: { result: null },
      bytes: patch(swap(), (w) => w.hex(0, 'edc302e99856e50c')),
    },
    {
      name: 'luks2-both-headers-bad',
      prober: 'crypto_LUKS',
      exercises: 'primary and secondary LUKS2 headers whose JSON changed after their checksums',
      expect: corrupt('fails its sha256 checksum'),
      bytes: patch(luks(), (w) => w.text(4096 + 3, 'X').text(16384 + 4096 + 3, 'X')),
    },
    {
      name: 'luks2-impossible-header-size',
      prober: 'crypto_LUKS',
      exercises: 'a LUKS2 header size of 2^64 - 1 bytes, with no secondary header',
      expect: corrupt('impossible size'),
      bytes: patch(luks(), (w) => w.u64(8, 0xffffffffffffffffn, false).fill(16384, 16384, 0)),
    },
    {
      name: 'luks2-primary-bad-secondary-good',
      prober: 'crypto_LUKS',
      exercises: 'a damaged primary LUKS2 header: the secondary must answer',
      expect: { result: { type: 'crypto_LUKS', version: '2', label: 'vault', uuid: '5b1c4d2e-0000-4000-8000-123456789abc' } },
      bytes: patch(luks(), (w) => w.text(4096 + 3, 'X')),
    },
    {
      name: 'bitlocker-metadata-past-end',
      prober: 'BitLocker',
      exercises: 'an FVE metadata offset of 2^63',
      expect: { result: null },
      bytes: patch(buildBitLocker({ kind: 'win7', serial: 1, fveVersion: 2 }), (w) => w.u64(176, 0x8000000000000000n, true)),
    },
    {
      name: 'bitlocker-metadata-unsigned',
      prober: 'BitLocker',
      exercises: 'a BitLocker boot sector whose FVE metadata block lacks its signature',
      expect: { result: null },
      bytes: buildBitLocker({ kind: 'win7', serial: 1, fveVersion: 2, metadataOffset: 0x3000 }).fill(0, 0x3000, 0x3008),
    },
    {
      name: 'lvm-bad-crc',
      prober: 'LVM2_member',
      exercises: 'an LVM2 label changed after its CRC was written',
      expect: corrupt('fails its checksum'),
      bytes: patch(lvm(), (w) => w.text(512 + 40, 'Q')),
    },
    {
      name: 'lvm-wrong-sector',
      prober: 'LVM2_member',
      exercises: 'a correctly checksummed label that says it belongs in sector 7',
      expect: corrupt('belongs in sector 7'),
      bytes: lvm((w) => w.u64(8, 7, true)),
    },
    {
      name: 'lvm-header-outside-sector',
      prober: 'LVM2_member',
      exercises: 'a PV header offset of 0xfffffff0, far outside the label sector',
      expect: corrupt('impossible offset'),
      bytes: lvm((w) => w.u32(20, 0xfffffff0, true)),
    },
    {
      name: 'md1-bad-checksum',
      prober: 'linux_raid_member',
      exercises: 'an md 1.2 superblock changed after its checksum was written',
      expect: corrupt('fails its checksum'),
      bytes: patch(md1(), (w) => w.text(4096 + 32, 'X')),
    },
    {
      name: 'md1-too-many-devices',
      prober: 'linux_raid_member',
      exercises: 'max_dev = 2^32 - 1, which would make the checksummed area 8 GiB',
      expect: corrupt('lists 4294967295 devices'),
      bytes: md1({ maxDevices: 0xffffffff }),
    },
    {
      name: 'md1-wrong-super-offset',
      prober: 'linux_raid_member',
      exercises: 'a 1.2 superblock that says it lives elsewhere: not a member (blkid agrees)',
      expect: { result: null },
      bytes: md1({ tweak: (w) => w.u64(144, 99, true) }),
    },
    {
      name: 'md090-bad-checksum',
      prober: 'linux_raid_member',
      exercises: 'an md 0.90 superblock changed after its checksum was written',
      expect: corrupt('0.90 superblock at byte 65536 fails its checksum'),
      bytes: patch(md090(), (w) => w.u32(65536 + 4 * 20, 1, true)),
    },
    {
      name: 'md090-size-beyond-device',
      prober: 'linux_raid_member',
      exercises: 'a 0.90 superblock whose member size does not fit before it',
      expect: { result: null },
      bytes: md090({ usedKiB: 0xffffffff }),
    },
    {
      name: 'iso-no-terminator',
      prober: 'iso9660',
      exercises: 'CD001 in 20 descriptors of an unknown type and no terminator: the scan stops after 16',
      expect: { result: null },
      bytes: isoWithoutTerminator(),
    },
    {
      name: 'iso-unset-dates',
      prober: 'iso9660',
      exercises: 'both PVD dates unset ("0000..." with zone 0): no UUID',
      expect: { result: { type: 'iso9660', label: 'NODATE', uuid: null } },
      bytes: buildIso9660({ pvdLabel: 'NODATE', created: '0000000000000000', modified: '0000000000000000' }),
    },
    {
      name: 'hfsplus-catalog-out-of-range',
      prober: 'hfsplus',
      exercises: 'a catalog extent starting at block 2^32 - 1: detection survives, the label is lost',
      expect: { result: { type: 'hfsplus', label: null, uuid: '6095e009-5132-3fc5-87c2-d5a01745283e' } },
      bytes: patch(hfs(), (w) => w.u32(1024 + 272 + 16, 0xffffffff, false)),
    },
    {
      name: 'hfsplus-huge-node',
      prober: 'hfsplus',
      exercises: 'a catalog node size of 65535 bytes, larger than HFS+ allows',
      expect: { result: { type: 'hfsplus', label: null } },
      bytes: patch(hfs(), (w) => w.u16(4 * 4096 + 32, 0xffff, false)),
    },
    {
      name: 'hfsplus-overflowing-size',
      prober: 'hfsplus',
      exercises: '2^31-byte blocks times 2^32 - 1 blocks',
      expect: corrupt('larger than any real disk'),
      bytes: patch(hfs(), (w) => w.u32(1024 + 40, 0x80000000, false).u32(1024 + 44, 0xffffffff, false)),
    },
    {
      name: 'apfs-bad-checksum',
      prober: 'apfs',
      exercises: 'an APFS container superblock changed after its Fletcher-64 was written',
      expect: corrupt('fails its Fletcher-64 checksum'),
      bytes: patch(apfs(), (w) => w.u8(100, 1)),
    },
    {
      name: 'apfs-huge-block-count',
      prober: 'apfs',
      exercises: 'a block count of 2^62',
      expect: corrupt('no real disk can have'),
      bytes: apfs({ blockCount: 2n ** 62n }),
    },
    {
      name: 'apfs-other-block-size',
      prober: 'apfs',
      exercises: 'NXSB with a 512-byte block size, which blkid does not accept',
      expect: { result: null },
      bytes: apfs({ tweak: (w) => w.u32(36, 512, true) }),
    },
  ];
}

function isoWithoutTerminator(): Uint8Array {
  const image = new ImageWriter((16 + 20) * 2048);
  for (let i = 0; i < 20; i++) image.u8((16 + i) * 2048, 3).text((16 + i) * 2048 + 1, 'CD001');
  return image.bytes;
}

/** The stored form: size, non-zero runs in hex (runs split where 32 or more zero bytes lie between). */
export function toSparseJson(fixture: HostileFixture): string {
  const chunks: Array<{ at: number; hex: string }> = [];
  const bytes = fixture.bytes;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === 0) {
      i++;
      continue;
    }
    let end = i;
    let zeros = 0;
    for (let j = i; j < bytes.length && zeros < 32; j++) {
      if (bytes[j] === 0) zeros++;
      else {
        zeros = 0;
        end = j + 1;
      }
    }
    chunks.push({ at: i, hex: Buffer.from(bytes.subarray(i, end)).toString('hex') });
    i = end;
  }
  const { name, prober, exercises, expect } = fixture;
  return `${JSON.stringify({ name, prober, exercises, expect, sizeBytes: bytes.length, chunks }, null, 2)}\n`;
}

export function fromSparseJson(text: string): HostileFixture {
  const parsed = JSON.parse(text) as Omit<HostileFixture, 'bytes'> & { sizeBytes: number; chunks: Array<{ at: number; hex: string }> };
  const bytes = new Uint8Array(parsed.sizeBytes);
  for (const chunk of parsed.chunks) bytes.set(Buffer.from(chunk.hex, 'hex'), chunk.at);
  return { name: parsed.name, prober: parsed.prober, exercises: parsed.exercises, expect: parsed.expect, bytes };
}
