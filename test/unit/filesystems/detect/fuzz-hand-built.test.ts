/**
 * Mutated hand-built images (the formats with no mkfs here, plus md, LVM and the rest built from
 * their layouts): every prober answers or throws our error, within its read bound. Where a
 * checksum guards the metadata the fuzzer runs twice: raw (the checksum must catch it) and with
 * the checksum recomputed (the field checks behind it must hold).
 */
import { describe, expect, it } from 'vitest';
import { apfsProber } from '../../../../recovery/filesystems/apfs/apfs-probe.js';
import { bitlockerProber } from '../../../../recovery/filesystems/bitlocker/bitlocker-probe.js';
import { btrfsProber } from '../../../../recovery/filesystems/btrfs/btrfs-probe.js';
import { hfsplusProber } from '../../../../recovery/filesystems/hfsplus/hfsplus-probe.js';
import { iso9660Prober } from '../../../../recovery/filesystems/iso9660/iso9660-probe.js';
import { luksProber } from '../../../../recovery/filesystems/luks/luks-probe.js';
import { lvmProber } from '../../../../recovery/filesystems/lvm/lvm-probe.js';
import { linuxRaidProber } from '../../../../recovery/filesystems/raid/linux-raid-probe.js';
import { swapProber } from '../../../../recovery/filesystems/swap/swap-probe.js';
import { xfsProber } from '../../../../recovery/filesystems/xfs/xfs-probe.js';
import { buildBtrfs, buildLuks2, buildLvm2Label, buildMdV090, buildMdV1, buildSwap, buildXfs } from './builders/linux-images.js';
import { buildApfs, buildBitLocker, buildHfsPlus, buildIso9660 } from './builders/other-images.js';
import { fixApfs, fixBtrfs, fixLuks2, fixLvm, fixMdV090, fixMdV1, fixXfs, fuzzProber, type FuzzCase } from './fuzz-with-checksums.js';

const KiB = 1024;
const md090 = buildMdV090({ sizeBytes: 130 * KiB, uuidWords: [1, 2, 3, 4] });
const md12 = buildMdV1({
  version: '1.2',
  sizeBytes: 16 * KiB,
  arrayUuid: '0123456789abcdef0011223344556677',
  deviceUuid: 'fedcba98765432100123456789abcdef',
  name: 'host:md0',
});
const luks2 = buildLuks2({ uuid: '5b1c4d2e-0000-4000-8000-123456789abc', label: 'vault', subsystem: 'sub', sizeBytes: 64 * KiB });
const btrfs = buildBtrfs({
  fsid: '00112233445566778899aabbccddeeff',
  devUuid: 'ffeeddccbbaa99887766554433221100',
  label: 'fuzz',
  totalBytes: 1 << 30,
  sizeBytes: 72 * KiB,
});

/** [case, expect some mutations to be rejected with our error]. */
const cases: Array<[FuzzCase, boolean]> = [
  [
    {
      name: 'HFS+ volume header',
      original: buildHfsPlus({ label: 'Fuzz', volumeId: '0102030405060708', totalBlocks: 64 }),
      prober: hfsplusProber,
      from: 1024,
      to: 1536,
      iterations: 1500,
    },
    false,
  ],
  [
    {
      name: 'HFS+ catalog nodes',
      original: buildHfsPlus({ label: 'Fuzz', volumeId: '0102030405060708', totalBlocks: 64 }),
      prober: hfsplusProber,
      from: 4 * 4096,
      to: 4 * 4096 + 8192 + 64,
      iterations: 1500,
    },
    false,
  ],
  [
    {
      name: 'HFS+ in an HFS wrapper',
      original: buildHfsPlus({ label: 'Fuzz', volumeId: '0102030405060708', totalBlocks: 64, wrapperOffsetBytes: 8192 }),
      prober: hfsplusProber,
      from: 1024,
      to: 1024 + 162,
      iterations: 800,
    },
    false,
  ],
  [
    {
      name: 'APFS superblock (raw)',
      original: buildApfs({ uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', blockCount: 2560, sizeBytes: 8 * KiB }),
      prober: apfsProber,
      from: 0,
      to: 4096,
      iterations: 1000,
    },
    true,
  ],
  [
    {
      name: 'APFS superblock (checksum fixed)',
      original: buildApfs({ uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', blockCount: 2560, sizeBytes: 8 * KiB }),
      prober: apfsProber,
      from: 0,
      to: 128,
      iterations: 1500,
      fixer: fixApfs,
    },
    true,
  ],
  [
    {
      name: 'BitLocker header and FVE block',
      original: buildBitLocker({ kind: 'win7', serial: 7, fveVersion: 2 }),
      prober: bitlockerProber,
      from: 0,
      to: 512,
      iterations: 1500,
    },
    false,
  ],
  [{ name: 'md 0.90 (raw)', original: md090, prober: linuxRaidProber, from: 65536, to: 65536 + 4096, iterations: 600 }, true],
  [
    { name: 'md 0.90 (checksum fixed)', original: md090, prober: linuxRaidProber, from: 65536, to: 65536 + 256, iterations: 800, fixer: fixMdV090(65536) },
    false,
  ],
  [{ name: 'md 1.2 (raw)', original: md12, prober: linuxRaidProber, from: 4096, to: 4096 + 512, iterations: 1000 }, true],
  [{ name: 'md 1.2 (checksum fixed)', original: md12, prober: linuxRaidProber, from: 4096, to: 4096 + 256, iterations: 1500, fixer: fixMdV1(4096) }, true],
  [
    {
      name: 'LVM2 label (checksum fixed)',
      original: buildLvm2Label({ pvUuid32: 'a7K7F1eHkboVx42Zytls8lJDeTJ3Gzeg', deviceSizeBytes: 1 << 30, sizeBytes: 4 * KiB }),
      prober: lvmProber,
      from: 512,
      to: 512 + 128,
      iterations: 1500,
      fixer: fixLvm(1),
    },
    true,
  ],
  [
    {
      name: 'big-endian swap header',
      original: buildSwap({ pageSize: 4096, lastPage: 15, uuid: '11112222333344445555666677778888', label: 'fuzz', bigEndian: true }),
      prober: swapProber,
      from: 1024,
      to: 1024 + 512,
      iterations: 1500,
    },
    false,
  ],
  [
    {
      name: 'ISO9660 with Joliet',
      original: buildIso9660({ pvdLabel: 'FUZZ_DISC', jolietLabel: 'Fuzz Disc', created: '2024010203040506', modified: '2024060708091011' }),
      prober: iso9660Prober,
      from: 32768,
      to: 32768 + 3 * 2048,
      iterations: 1500,
    },
    false,
  ],
  [{ name: 'btrfs superblock (checksum fixed)', original: btrfs, prober: btrfsProber, from: 65536, to: 65536 + 512, iterations: 1500, fixer: fixBtrfs }, true],
  [
    {
      name: 'XFS superblock (checksum fixed)',
      original: buildXfs({ uuid: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', label: 'fuzz', agCount: 4, agBlocks: 64, dataBlocks: 256, sizeBytes: 4 * KiB }),
      prober: xfsProber,
      from: 0,
      to: 224,
      iterations: 1500,
      fixer: fixXfs,
    },
    false,
  ],
  [
    {
      name: 'LUKS2 binary headers (checksum fixed)',
      original: luks2,
      prober: luksProber,
      from: 0,
      to: 512,
      iterations: 800,
      fixer: fixLuks2([0, 16384]),
      maxBytesRead: 41 * 1024 * 1024,
    },
    true,
  ],
];

describe('fuzzing the detection-only probers on hand-built images', () => {
  it.each(cases.map(([c, rejects], i) => ({ ...c, rejects, seed: 1000 + i })))('$name', async ({ rejects, seed, ...c }) => {
    const { accepted, rejected, recognised } = await fuzzProber(c, seed);
    expect(accepted + rejected).toBe(c.iterations);
    expect(recognised, 'some mutations must still be recognised, or the fuzzer never got past the magic').toBeGreaterThan(0);
    if (rejects) expect(rejected).toBeGreaterThan(0);
  });
});
