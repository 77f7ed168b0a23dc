/**
 * The detection-only probers without any tool: what they report for hand-built images (the
 * expected values are blkid's own answers for the same bytes, recorded from
 * hand-built-vs-blkid.test.ts), and that random bytes and bare magics never get anything but
 * null or our own error.
 */
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../recovery/core/byte-source.js';
import { isLifeboatError } from '../../../../recovery/core/errors.js';
import { isBitLocker } from '../../../../recovery/filesystems/bitlocker/bitlocker-probe.js';
import { detectOnlyProbers } from '../../../../recovery/filesystems/detect-only-probers.js';
import type { FilesystemInfo } from '../../../../recovery/filesystems/filesystem-types.js';
import { swapHeaderSizeBytes } from '../../../../recovery/filesystems/swap/swap-probe.js';
import { seededRandom } from '../../../helpers/fuzz.js';
import { buildLvm2Label, buildMdV090, buildMdV1, buildSwap } from './builders/linux-images.js';
import { buildApfs, buildBitLocker, buildHfsPlus, buildHighSierra, buildIso9660 } from './builders/other-images.js';

const MiB = 1024 * 1024;

async function probeAll(bytes: Uint8Array): Promise<FilesystemInfo[]> {
  const found: FilesystemInfo[] = [];
  for (const prober of detectOnlyProbers) {
    const info = await prober.probe(bufferSource(bytes));
    if (info !== null) found.push(info);
  }
  return found;
}

const randomCache = new Map<string, Uint8Array>();

/** Seeded random bytes (a fresh copy each call: callers plant magics in them). */
function randomBytes(length: number, seed: number): Uint8Array {
  const key = `${length}:${seed}`;
  let bytes = randomCache.get(key);
  if (bytes === undefined) {
    const random = seededRandom(seed);
    const words = new Uint32Array(Math.ceil(length / 4));
    for (let i = 0; i < words.length; i++) words[i] = Math.floor(random() * 2 ** 32);
    bytes = new Uint8Array(words.buffer, 0, length);
    randomCache.set(key, bytes);
  }
  return bytes.slice();
}

const blank = { usedBytes: null, dirty: null, dirtyReason: null };

describe('the detection-only probers', () => {
  it('cover the ten formats, each once, each with at least one magic', () => {
    expect(detectOnlyProbers.map((p) => p.type).sort()).toEqual(
      ['BitLocker', 'LVM2_member', 'apfs', 'btrfs', 'crypto_LUKS', 'hfsplus', 'iso9660', 'linux_raid_member', 'swap', 'xfs'].sort(),
    );
    for (const prober of detectOnlyProbers) expect(prober.magics.length).toBeGreaterThan(0);
  });

  it.each([
    [
      'HFS+',
      () => buildHfsPlus({ label: 'Macintosh HD', volumeId: '0102030405060708', totalBlocks: 2048 }),
      { type: 'hfsplus', version: null, label: 'Macintosh HD', uuid: '6095e009-5132-3fc5-87c2-d5a01745283e', sizeBytes: 2048 * 4096, blockSizeBytes: 4096 },
    ],
    [
      'APFS',
      () => buildApfs({ uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', blockCount: 2560 }),
      { type: 'apfs', version: null, label: null, uuid: 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90', sizeBytes: 2560 * 4096, blockSizeBytes: 4096 },
    ],
    [
      'BitLocker',
      () => buildBitLocker({ kind: 'win7', serial: 305419896, fveVersion: 2 }),
      { type: 'BitLocker', version: '2', label: null, uuid: '0000000305419896', sizeBytes: null, blockSizeBytes: null },
    ],
    [
      'BitLocker with a negative serial',
      () => buildBitLocker({ kind: 'win7', serial: -5, fveVersion: 2 }),
      { type: 'BitLocker', version: '2', label: null, uuid: '-000000000000005', sizeBytes: null, blockSizeBytes: null },
    ],
    [
      'md 0.90',
      () => buildMdV090({ sizeBytes: 8 * MiB + 12345, uuidWords: [0x01234567, 0x89abcdef, 0x00112233, 0x44556677] }),
      { type: 'linux_raid_member', version: '0.90.0', label: null, uuid: '01234567-89ab-cdef-0011-223344556677', sizeBytes: null, blockSizeBytes: null },
    ],
    [
      'md 1.0',
      () =>
        buildMdV1({
          version: '1.0',
          sizeBytes: 8 * MiB + 5000,
          arrayUuid: '0123456789abcdef0011223344556677',
          deviceUuid: 'fedcba98765432100123456789abcdef',
          name: 'myhost:md0',
        }),
      { type: 'linux_raid_member', version: '1.0', label: 'myhost:md0', uuid: '01234567-89ab-cdef-0011-223344556677', sizeBytes: null, blockSizeBytes: null },
    ],
    [
      'LVM2',
      () => buildLvm2Label({ pvUuid32: 'a7K7F1eHkboVx42Zytls8lJDeTJ3Gzeg', deviceSizeBytes: 2 * MiB }),
      { type: 'LVM2_member', version: 'LVM2 001', label: null, uuid: 'a7K7F1-eHkb-oVx4-2Zyt-ls8l-JDeT-J3Gzeg', sizeBytes: 2 * MiB, blockSizeBytes: null },
    ],
    [
      'big-endian swap',
      () => buildSwap({ pageSize: 4096, lastPage: 15, uuid: '11112222333344445555666677778888', label: 'bigswap', bigEndian: true }),
      { type: 'swap', version: '1', label: 'bigswap', uuid: '11112222-3333-4444-5555-666677778888', sizeBytes: 16 * 4096, blockSizeBytes: 4096 },
    ],
    [
      'ISO9660 with a Joliet name that prefixes the PVD name',
      () =>
        buildIso9660({ pvdLabel: 'MY_DISC_WITH_A_VERY_LONG_NAME', jolietLabel: 'My Disc_with a v', created: '2024010203040506', modified: '2024060708091011' }),
      {
        type: 'iso9660',
        version: 'Joliet Extension',
        label: 'My Disc_with a vERY_LONG_NAME',
        uuid: '2024-06-07-08-09-10-11',
        sizeBytes: 24 * 2048,
        blockSizeBytes: 2048,
      },
    ],
    [
      'High Sierra',
      () => buildHighSierra('OLD_DISC'),
      { type: 'iso9660', version: 'High Sierra', label: 'OLD_DISC', uuid: null, sizeBytes: null, blockSizeBytes: 2048 },
    ],
  ] as const)('%s: reports what blkid reports, and only one prober answers', async (_name, build, expected) => {
    expect(await probeAll(build())).toEqual([{ ...expected, ...blank }]);
  });

  it('BitLocker To Go is recognised by isBitLocker, so the FAT prober can step aside', async () => {
    expect(await isBitLocker(bufferSource(buildBitLocker({ kind: 'to-go', serial: 0, fveVersion: 2 })))).toBe(true);
    expect(await isBitLocker(bufferSource(new Uint8Array(4096)))).toBe(false);
  });

  it('the swap header is the first page, and asking it of anything else is our error', async () => {
    const [info] = await probeAll(buildSwap({ pageSize: 65536, lastPage: 9, uuid: '99992222333344445555666677778888', label: 'arm64' }));
    expect(info && swapHeaderSizeBytes(info)).toBe(65536);
    const [apfs] = await probeAll(buildApfs({ uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', blockCount: 10 }));
    expect(() => swapHeaderSizeBytes(apfs!)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it.each([0, 1, 511, 4096, 65536 + 4095, 2 * MiB + 333])('zeros and random bytes of %i bytes are nothing', async (length) => {
    expect(await probeAll(new Uint8Array(length))).toEqual([]);
    for (let seed = 1; seed <= 3; seed++) expect(await probeAll(randomBytes(length, seed))).toEqual([]);
  });

  const planted = detectOnlyProbers.flatMap((prober) =>
    prober.magics.map((m, i) => ({ name: `${prober.type} magic ${i} at ${m.offsetBytes}`, prober, magic: m })),
  );
  it.each(planted)('$name among random bytes or zeros: null or our error, nothing else', async ({ prober, magic }) => {
    for (const seed of [0, 11, 12, 13]) {
      const length = Math.max(2 * MiB, magic.offsetBytes + 64 * 1024);
      const bytes = seed === 0 ? new Uint8Array(length) : randomBytes(length, seed);
      bytes.set(magic.bytes, magic.offsetBytes);
      const outcome = await prober.probe(bufferSource(bytes)).then(
        (info) => info,
        (error: unknown) => {
          if (!isLifeboatError(error)) throw error;
          expect(error.message.length).toBeGreaterThan(40);
          return null;
        },
      );
      // Random metadata may pass a weak check (blkid would agree), but never with a fantasy size.
      if (outcome !== null) expect(outcome.sizeBytes === null || Number.isSafeInteger(outcome.sizeBytes)).toBe(true);
    }
  });
});
