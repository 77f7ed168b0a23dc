/**
 * Formats with no working mkfs here (HFS+, APFS, BitLocker; md without the md driver) are built
 * by hand from their published layouts, and blkid judges both the image and our prober: the test
 * passes only when blkid recognises the image and reports what we report. md images are also
 * checked by mdadm --examine, which verifies the superblock checksum.
 */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { detectOnlyProbers } from '../../../../recovery/filesystems/detect-only-probers.js';
import type { FilesystemInfo } from '../../../../recovery/filesystems/filesystem-types.js';
import { Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { buildBtrfs, buildLuks2, buildLvm2Label, buildMdV090, buildMdV1, buildSwap, buildXfs } from '../../../unit/filesystems/detect/builders/linux-images.js';
import { buildApfs, buildBitLocker, buildHfsPlus, buildHighSierra, buildIso9660 } from '../../../unit/filesystems/detect/builders/other-images.js';
import { blkidProbe, expectSameAsBlkid, writeImage } from './blkid-oracle.js';

const MiB = 1024 * 1024;

/** Runs every detect-only prober, as the lead's registry would, and returns the one that answered. */
async function probeAll(bytes: Uint8Array): Promise<FilesystemInfo | null> {
  const answers = [];
  for (const prober of detectOnlyProbers) {
    const info = await prober.probe(bufferSource(bytes));
    if (info !== null) answers.push(info);
  }
  expect(answers.length).toBeLessThanOrEqual(1);
  return answers[0] ?? null;
}

interface Case {
  name: string;
  bytes: () => Uint8Array;
  blockSizeIsBlkids?: boolean;
  sizeBytes?: number | null;
}

const cases: Case[] = [
  {
    name: 'HFS+',
    bytes: () => buildHfsPlus({ label: 'Macintosh HD', volumeId: '0102030405060708', totalBlocks: 2048 }),
    blockSizeIsBlkids: true,
    sizeBytes: 2048 * 4096,
  },
  {
    name: 'HFSX with a non-ASCII name',
    bytes: () => buildHfsPlus({ label: 'Données été', volumeId: 'a1b2c3d4e5f60718', totalBlocks: 300, hfsx: true }),
    blockSizeIsBlkids: true,
    sizeBytes: 300 * 4096,
  },
  {
    name: 'HFS+ inside an HFS wrapper',
    bytes: () => buildHfsPlus({ label: 'Wrapped', volumeId: '1122334455667788', totalBlocks: 64, wrapperOffsetBytes: 16384 }),
    blockSizeIsBlkids: true,
    sizeBytes: 64 * 4096,
  },
  {
    name: 'APFS container',
    bytes: () => buildApfs({ uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', blockCount: 2560 }),
    blockSizeIsBlkids: true,
    sizeBytes: 2560 * 4096,
  },
  { name: 'BitLocker (Windows 7+)', bytes: () => buildBitLocker({ kind: 'win7', serial: 305419896, fveVersion: 2 }) },
  { name: 'BitLocker with a negative serial', bytes: () => buildBitLocker({ kind: 'win7', serial: -5, fveVersion: 2 }) },
  { name: 'BitLocker with a zero serial (no UUID)', bytes: () => buildBitLocker({ kind: 'win7', serial: 0, fveVersion: 2 }) },
  { name: 'BitLocker (Vista)', bytes: () => buildBitLocker({ kind: 'vista', serial: 0, fveVersion: 1 }) },
  { name: 'BitLocker To Go', bytes: () => buildBitLocker({ kind: 'to-go', serial: 0, fveVersion: 2 }) },
  { name: 'md 0.90', bytes: () => buildMdV090({ sizeBytes: 8 * MiB + 12345, uuidWords: [0x01234567, 0x89abcdef, 0x00112233, 0x44556677] }) },
  ...(['1.0', '1.1', '1.2'] as const).map((version) => ({
    name: `md ${version}`,
    bytes: () =>
      buildMdV1({
        version,
        sizeBytes: 8 * MiB + 5000,
        arrayUuid: '0123456789abcdef0011223344556677',
        deviceUuid: 'fedcba98765432100123456789abcdef',
        name: 'myhost:md0',
      }),
  })),
  {
    name: 'LVM2 label in sector 1',
    bytes: () => buildLvm2Label({ pvUuid32: 'a7K7F1eHkboVx42Zytls8lJDeTJ3Gzeg', deviceSizeBytes: 2 * MiB }),
    sizeBytes: 2 * MiB,
  },
  {
    name: 'LVM2 label in sector 3',
    bytes: () => buildLvm2Label({ pvUuid32: 'Zz0000eHkboVx42Zytls8lJDeTJ3Gzeg', deviceSizeBytes: 2 * MiB, sector: 3 }),
    sizeBytes: 2 * MiB,
  },
  {
    name: 'swap written by a big-endian machine',
    bytes: () => buildSwap({ pageSize: 4096, lastPage: 15, uuid: '11112222333344445555666677778888', label: 'bigswap', bigEndian: true }),
    sizeBytes: 16 * 4096,
  },
  {
    name: 'swap with 64 KiB pages',
    bytes: () => buildSwap({ pageSize: 65536, lastPage: 9, uuid: '99992222333344445555666677778888', label: 'arm64' }),
    sizeBytes: 10 * 65536,
  },
  {
    name: 'btrfs superblock',
    bytes: () => buildBtrfs({ fsid: '00112233445566778899aabbccddeeff', devUuid: 'ffeeddccbbaa99887766554433221100', label: 'handmade', totalBytes: 2 * MiB }),
    blockSizeIsBlkids: true,
    sizeBytes: 2 * MiB,
  },
  {
    name: 'XFS v5 superblock',
    bytes: () => buildXfs({ uuid: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', label: 'xfshand', agCount: 4, agBlocks: 64, dataBlocks: 256 }),
    sizeBytes: 256 * 4096,
  },
  { name: 'LUKS2 header pair', bytes: () => buildLuks2({ uuid: '5b1c4d2e-0000-4000-8000-123456789abc', label: 'vault', subsystem: 'backup' }) },
  {
    name: 'ISO9660 without Joliet',
    bytes: () => buildIso9660({ pvdLabel: 'PLAIN_DISC', created: '2024010203040506', modified: '0000000000000000' }),
    sizeBytes: 24 * 2048,
  },
  {
    name: 'ISO9660 whose Joliet name is a prefix of the PVD name',
    bytes: () =>
      buildIso9660({ pvdLabel: 'MY_DISC_WITH_A_VERY_LONG_NAME', jolietLabel: 'My Disc_with a v', created: '2024010203040506', modified: '2024060708091011' }),
  },
  { name: 'High Sierra disc', bytes: () => buildHighSierra('OLD_DISC'), blockSizeIsBlkids: true },
  {
    name: 'ISO9660 whose Joliet name differs',
    bytes: () => buildIso9660({ pvdLabel: 'CDROM', jolietLabel: 'Ürlaub 2024', created: '2024010203040506', modified: '2024060708091011' }),
  },
];

describeWith(['tool:blkid', 'tool:mdadm'], 'hand-built images: blkid recognises them and agrees with our probers', () => {
  let scratch: Scratch;
  beforeAll(async () => {
    scratch = await Scratch.create();
  });
  afterAll(async () => scratch.cleanup());

  it.each(cases)('$name', async ({ name, bytes, blockSizeIsBlkids, sizeBytes }) => {
    const image = bytes();
    const file = await writeImage(path.join(scratch.dir, `${name.replace(/\W+/g, '-')}.img`), image);
    const tags = await blkidProbe(file);
    const info = await probeAll(image);
    expectSameAsBlkid(info, tags, { blockSizeIsBlkids: blockSizeIsBlkids ?? false });
    if (sizeBytes !== undefined) expect(info?.sizeBytes).toBe(sizeBytes);
  });

  it.each(['md 0.90', 'md 1.0', 'md 1.1', 'md 1.2'])('mdadm --examine accepts the %s superblock and its checksum', async (name) => {
    const found = cases.find((c) => c.name === name);
    const file = await writeImage(path.join(scratch.dir, 'examine.img'), found?.bytes() ?? new Uint8Array());
    const { stdout } = await execa('mdadm', ['--examine', file]);
    expect(stdout).toMatch(/Checksum : [0-9a-f]+ - correct/);
    expect(stdout).toContain(name === 'md 0.90' ? 'Version : 0.90.00' : `Version : ${name.slice(3)}`);
    expect(stdout).toMatch(/UUID : 01234567:89abcdef:00112233:44556677/);
  });
});
