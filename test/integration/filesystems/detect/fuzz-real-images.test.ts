/**
 * Mutations of the header areas of images made by the real tools: every prober answers or
 * throws our error, within its read bound, and (with checksums recomputed where the format has
 * them) the fuzzer reaches the field checks behind the magic.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import type { Prober } from '../../../../recovery/filesystems/filesystem-types.js';
import { btrfsProber } from '../../../../recovery/filesystems/btrfs/btrfs-probe.js';
import { iso9660Prober } from '../../../../recovery/filesystems/iso9660/iso9660-probe.js';
import { luksProber } from '../../../../recovery/filesystems/luks/luks-probe.js';
import { lvmProber } from '../../../../recovery/filesystems/lvm/lvm-probe.js';
import { swapProber } from '../../../../recovery/filesystems/swap/swap-probe.js';
import { xfsProber } from '../../../../recovery/filesystems/xfs/xfs-probe.js';
import { pvcreateFile, useScratch, type Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { fixBtrfs, fixLuks2, fixLvm, fixXfs, fuzzProber, type Fixer } from '../../../unit/filesystems/detect/fuzz-with-checksums.js';
import { fileHead } from './blkid-oracle.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface RealCase {
  name: string;
  /** Makes the image in `dir` and returns its path. */
  make: (scratch: Scratch) => Promise<string>;
  headBytes: number;
  prober: Prober;
  runs: Array<{ from: number; to: number; iterations: number; fixer?: Fixer; rejects: boolean }>;
  maxBytesRead?: number;
}

async function keyFile(scratch: Scratch): Promise<string> {
  const file = path.join(scratch.dir, 'key');
  await writeFile(file, 'not-a-secret');
  return file;
}

const realCases: RealCase[] = [
  {
    name: 'btrfs (mkfs.btrfs)',
    make: async (s) => {
      const file = await s.sparseFile('btrfs.img', 128 * MiB);
      await execa('mkfs.btrfs', ['-q', '-L', 'fuzz', file]);
      return file;
    },
    headBytes: 72 * KiB,
    prober: btrfsProber,
    runs: [
      { from: 65536, to: 65536 + 4096, iterations: 600, rejects: true },
      { from: 65536, to: 65536 + 400, iterations: 1500, fixer: fixBtrfs, rejects: true },
    ],
  },
  {
    name: 'xfs v5 (mkfs.xfs)',
    make: async (s) => {
      const file = await s.sparseFile('xfs.img', 320 * MiB);
      await execa('mkfs.xfs', ['-q', '-f', '-L', 'fuzz', file]);
      return file;
    },
    headBytes: 64 * KiB,
    prober: xfsProber,
    runs: [
      { from: 0, to: 512, iterations: 600, rejects: true },
      { from: 0, to: 224, iterations: 1500, fixer: fixXfs, rejects: false },
    ],
  },
  {
    name: 'swap (mkswap)',
    make: async (s) => {
      const file = await s.sparseFile('swap.img', 16 * MiB);
      await execa('mkswap', ['-L', 'fuzz', file], { reject: false });
      return file;
    },
    headBytes: 64 * KiB,
    prober: swapProber,
    runs: [{ from: 1024, to: 1024 + 512, iterations: 1500, rejects: false }],
  },
  {
    name: 'LUKS1 (cryptsetup)',
    make: async (s) => {
      const file = await s.sparseFile('luks1.img', 20 * MiB);
      await execa('cryptsetup', ['luksFormat', '--batch-mode', '--type', 'luks1', '--pbkdf-force-iterations', '1000', '--key-file', await keyFile(s), file]);
      return file;
    },
    headBytes: 64 * KiB,
    prober: luksProber,
    runs: [{ from: 0, to: 592, iterations: 1500, rejects: false }],
  },
  {
    name: 'LUKS2 (cryptsetup)',
    make: async (s) => {
      const file = await s.sparseFile('luks2.img', 20 * MiB);
      await execa('cryptsetup', [
        'luksFormat',
        '--batch-mode',
        '--type',
        'luks2',
        '--pbkdf',
        'pbkdf2',
        '--pbkdf-force-iterations',
        '1000',
        '--label',
        'fuzz',
        '--key-file',
        await keyFile(s),
        file,
      ]);
      return file;
    },
    headBytes: 64 * KiB,
    prober: luksProber,
    maxBytesRead: 41 * MiB,
    runs: [
      { from: 0, to: 512, iterations: 600, rejects: false },
      { from: 0, to: 16384 + 512, iterations: 600, rejects: true },
      { from: 0, to: 512, iterations: 800, fixer: fixLuks2([0, 16384]), rejects: true },
    ],
  },
  {
    name: 'ISO9660 with Joliet (xorriso)',
    make: async (s) => {
      const file = path.join(s.dir, 'disc.iso');
      await writeFile(path.join(s.dir, 'readme.txt'), 'hello\n');
      await execa('xorriso', ['-as', 'mkisofs', '-J', '-V', 'Fuzz Disc', '-o', file, path.join(s.dir, 'readme.txt')]);
      return file;
    },
    headBytes: 64 * KiB,
    prober: iso9660Prober,
    runs: [{ from: 32768, to: 32768 + 3 * 2048, iterations: 1500, rejects: false }],
  },
];

describeWith(
  ['tool:mkfs.btrfs', 'tool:mkfs.xfs', 'tool:mkswap', 'tool:cryptsetup', 'tool:xorriso'],
  'fuzzing the detection-only probers on real images',
  () => {
    const scratch = useScratch('all');
    const heads = new Map<string, Uint8Array>();
    beforeAll(async () => {
      for (const c of realCases) heads.set(c.name, await fileHead(await c.make(scratch()), c.headBytes));
    });

    const runs = realCases.flatMap((c) =>
      c.runs.map((run, i) => ({ label: `${c.name}, bytes ${run.from}..${run.to}${run.fixer ? ', checksums recomputed' : ''}`, c, run, seed: 2000 + i })),
    );
    it.each(runs)('$label', async ({ c, run, seed }) => {
      const original = heads.get(c.name);
      expect(original?.length).toBe(c.headBytes);
      const counts = await fuzzProber({ name: c.name, original: original!, prober: c.prober, maxBytesRead: c.maxBytesRead, ...run }, seed);
      expect(counts.recognised).toBeGreaterThan(0);
      if (run.rejects) expect(counts.rejected).toBeGreaterThan(0);
    });
  },
);

describeWith(['root', 'loop-devices', 'tool:pvcreate'], 'fuzzing the LVM2 prober on a label made by pvcreate', () => {
  const scratch = useScratch('all');

  it('mutated labels, raw and with the CRC recomputed', async () => {
    const file = await pvcreateFile(scratch(), 'pv.img', 16 * MiB);
    const original = await fileHead(file, 8 * KiB);
    const raw = await fuzzProber({ name: 'lvm raw', original, prober: lvmProber, from: 512, to: 1024, iterations: 600 }, 3001);
    expect(raw.rejected).toBeGreaterThan(0);
    const fixed = await fuzzProber({ name: 'lvm fixed', original, prober: lvmProber, from: 512, to: 512 + 128, iterations: 1500, fixer: fixLvm(1) }, 3002);
    expect(fixed.recognised).toBeGreaterThan(0);
    expect(fixed.rejected).toBeGreaterThan(0);
  });
});
