import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFailingDisk, type FailingDisk, type SectorRange } from '../../helpers/failing-disk.js';
import { checkFilesystem } from '../../helpers/fs-checkers.js';
import { Scratch, sfdiskPartitions } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { buildGptDisk, type SourceDisk } from '../../helpers/source-disks.js';
import { compareTrees, treeDigest } from '../../helpers/tree-hash.js';
import { withMount } from '../../helpers/with-mount.js';
import { ext4Blocks, ext4InodeInUse, ext4InodeTable, ntfsClusterBytes, ntfsDataRuns, physicalOf } from './bad-sector-picks.js';
import { jsonLines, lifeboat, MiB, resultOf } from './cli-pipeline.js';

const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:gcc',
  'tool:pkg-config',
  'tool:fusermount3',
  'tool:dd',
  'tool:sgdisk',
  'tool:mkfs.ext4',
  'tool:mkntfs',
  'tool:mkfs.fat',
  'tool:mcopy',
  'tool:ntfs-3g',
  'tool:setfattr',
  'tool:debugfs',
  'tool:dumpe2fs',
  'tool:ntfsinfo',
  'tool:e2fsck',
  'tool:ntfsfix',
] as const;
const SECTOR = 512;

/** A range the test makes unreadable, and what Lifeboat must say it held. */
interface Injected extends SectorRange {
  partition: number;
  /** The owner Lifeboat must name: a file path with the file bytes the range covers, or a structure's exact name. */
  owner: { kind: 'file'; name: string; fileOffsetBytes: number; lengthBytes: number } | { kind: 'metadata'; name: string };
}

interface Owner {
  kind: string;
  name: string;
  fileOffsetBytes?: number;
  lengthBytes?: number;
}

interface RangeReport {
  firstSector: number;
  sectorCount: number;
  partition: number | null;
  owners: Owner[];
  ownersNote: string | null;
}

/**
 * Bad sectors inside two files and two structures of the ext4 partition (3) and inside two files
 * and $MFT of the NTFS partition (2), placed with debugfs, dumpe2fs and ntfsinfo. They are
 * deliberately not aligned to 4 KiB pages, and one crosses a block boundary.
 */
async function pickBadSectors(disk: SourceDisk): Promise<Injected[]> {
  const parts = await sfdiskPartitions(disk.device);
  const startOf = (n: number) => (parts.find((p) => p.number === n)?.startBytes ?? NaN) / SECTOR;
  const ext = `${disk.device}p3`;
  const ntfs = `${disk.device}p2`;
  const picks: Injected[] = [];

  const table = await ext4InodeTable(ext);
  const perBlock = table.blockBytes / SECTOR;
  const small = await ext4Blocks(ext, '/big/random-1MiB.bin');
  picks.push({
    partition: 3,
    firstSector: startOf(3) + (small[100] ?? NaN) * perBlock + 3,
    sectorCount: 1,
    owner: { kind: 'file', name: '/big/random-1MiB.bin', fileOffsetBytes: 100 * table.blockBytes + 3 * SECTOR, lengthBytes: SECTOR },
  });
  const odd = await ext4Blocks(ext, '/big/random-3MiB-odd.bin');
  let j = 200;
  while ((odd[j + 1] ?? NaN) !== (odd[j] ?? NaN) + 1) j++;
  picks.push({
    partition: 3,
    firstSector: startOf(3) + (odd[j] ?? NaN) * perBlock + perBlock - 1,
    sectorCount: 3,
    owner: { kind: 'file', name: '/big/random-3MiB-odd.bin', fileOffsetBytes: (j + 1) * table.blockBytes - SECTOR, lengthBytes: 3 * SECTOR },
  });
  const journal = await ext4Blocks(ext, '<8>');
  picks.push({
    partition: 3,
    firstSector: startOf(3) + (journal[300] ?? NaN) * perBlock + 5,
    sectorCount: 2,
    owner: { kind: 'metadata', name: 'ext4 journal' },
  });
  const lastInode = table.inodesPerGroup;
  expect(await ext4InodeInUse(ext, lastInode)).toBe(false);
  picks.push({
    partition: 3,
    firstSector: startOf(3) + (table.lastBlock + 1) * perBlock - 1,
    sectorCount: 1,
    owner: { kind: 'metadata', name: `ext4 inode table of group 0 (inodes ${lastInode - 1}-${lastInode}, not in use)` },
  });

  const cluster = await ntfsClusterBytes(ntfs);
  const perCluster = cluster / SECTOR;
  const ntfsSmall = await ntfsDataRuns(ntfs, { path: '/big/random-1MiB.bin' });
  picks.push({
    partition: 2,
    firstSector: startOf(2) + physicalOf(ntfsSmall.runs, 50) * perCluster + 2,
    sectorCount: 2,
    owner: { kind: 'file', name: '/big/random-1MiB.bin', fileOffsetBytes: 50 * cluster + 2 * SECTOR, lengthBytes: 2 * SECTOR },
  });
  const ntfsOdd = await ntfsDataRuns(ntfs, { path: '/big/random-3MiB-odd.bin' });
  picks.push({
    partition: 2,
    firstSector: startOf(2) + physicalOf(ntfsOdd.runs, 700) * perCluster + perCluster - 1,
    sectorCount: 1,
    owner: { kind: 'file', name: '/big/random-3MiB-odd.bin', fileOffsetBytes: 701 * cluster - SECTOR, lengthBytes: SECTOR },
  });
  // The last record of $MFT: allocated ahead of need, so not in use; zeroing it harms no file.
  const mft = await ntfsDataRuns(ntfs, { inode: 0 });
  const record = mft.dataSizeBytes / 1024 - 1;
  const recordByte = record * 1024;
  picks.push({
    partition: 2,
    firstSector: startOf(2) + physicalOf(mft.runs, Math.floor(recordByte / cluster)) * perCluster + (recordByte % cluster) / SECTOR,
    sectorCount: 1,
    owner: { kind: 'metadata', name: `$MFT (record ${record}, not in use)` },
  });
  return picks.sort((a, b) => a.firstSector - b.firstSector);
}

/** Sectors (absolute) where two disks differ inside `[startBytes, startBytes + sizeBytes)`. */
async function differingSectors(a: string, b: string, startBytes: number, sizeBytes: number): Promise<{ sectors: number[]; zeroInB: boolean }> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  const sectors: number[] = [];
  let zeroInB = true;
  try {
    const bufA = Buffer.alloc(MiB);
    const bufB = Buffer.alloc(MiB);
    for (let at = 0; at < sizeBytes; at += MiB) {
      const length = Math.min(MiB, sizeBytes - at);
      await fa.read(bufA, 0, length, startBytes + at);
      await fb.read(bufB, 0, length, startBytes + at);
      for (let s = 0; s < length; s += SECTOR) {
        if (bufA.compare(bufB, s, s + SECTOR, s, s + SECTOR) === 0) continue;
        sectors.push((startBytes + at + s) / SECTOR);
        if (!bufB.subarray(s, s + SECTOR).every((x) => x === 0)) zeroInB = false;
      }
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
  return { sectors, zeroInB };
}

function sectorsOf(ranges: readonly SectorRange[]): number[] {
  return ranges.flatMap((r) => Array.from({ length: r.sectorCount }, (_, i) => r.firstSector + i));
}

describeWith([...NEEDS], 'capturing a disk with unreadable sectors (a real failing device: FUSE + loop)', () => {
  let scratch: Scratch;
  let source: SourceDisk;
  let injected: Injected[];
  let failing: FailingDisk | null = null;
  let rescued: Record<string, unknown>;
  const target = { file: '', device: '' };
  const expectedRanges = () => injected.map(({ firstSector, sectorCount }) => ({ firstSector, sectorCount }));

  beforeAll(async () => {
    scratch = await Scratch.create();
    source = await buildGptDisk(scratch, 'source.img');
    injected = await pickBadSectors(source);
    failing = await startFailingDisk(scratch, source.file, injected);
  });

  afterAll(async () => {
    // The FUSE mount lives inside the scratch directory: it must be gone before the directory is.
    await failing?.stop();
    await scratch?.cleanup();
  });

  it('without --rescue, the capture stops at the first unreadable sector, names it, and leaves no snapshot', async () => {
    const repo = path.join(scratch.dir, 'strict-repo');
    const result = await lifeboat('capture', '--source', failing!.device, '--repo', repo, '--json');
    expect(result.exitCode).toBe(1);
    const first = injected[0] as Injected;
    const error = jsonLines(result.stdout).at(-1)?.['error'] as Record<string, unknown>;
    expect(error['code']).toBe('UNREADABLE_SECTOR');
    expect(error['sector']).toBe(first.firstSector);
    expect(error['partition']).toBe(first.partition);
    expect(String(error['message'])).toContain(`at byte ${first.firstSector * SECTOR} (sector ${first.firstSector}, partition ${first.partition})`);
    expect(String(error['message'])).toContain('--rescue');
    const listed = await lifeboat('snapshots', '--repo', repo, '--json');
    expect(JSON.parse(listed.stdout).snapshots).toEqual([]);
    const text = await lifeboat('capture', '--source', failing!.device, '--repo', repo);
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toContain(`(sector ${first.firstSector}, partition ${first.partition}): input/output error`);
  });

  it('with --rescue, the capture completes and the manifest lists exactly the injected ranges, each mapped to its file or structure', async () => {
    const repo = path.join(scratch.dir, 'rescue-repo');
    const result = await lifeboat('capture', '--source', failing!.device, '--repo', repo, '--rescue', '--json');
    expect(result.exitCode, result.stdout.slice(-2000) + result.stderr).toBe(0);
    rescued = resultOf(result.stdout);
    const rescue = rescued['rescue'] as {
      badRanges: SectorRange[];
      ranges: RangeReport[];
      passes: Array<Record<string, number | string>>;
      badSectorCount: number;
    };
    expect(rescue.badRanges).toEqual(expectedRanges());
    expect(rescue.badSectorCount).toBe(sectorsOf(injected).length);
    // Progress kept moving through the retry passes.
    const phases = jsonLines(result.stdout)
      .filter((l) => l['type'] === 'progress')
      .map((l) => l['phase']);
    expect(phases).toContain('rescue');
    process.stderr.write(`rescue passes on the test disk: ${JSON.stringify(rescue.passes)}\n`);

    const inspected = await lifeboat('inspect', '--repo', repo, '--json');
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    const manifest = JSON.parse(inspected.stdout) as { badRanges: SectorRange[]; rescue: { ranges: RangeReport[] } };
    expect(manifest.badRanges).toEqual(expectedRanges());

    for (const [i, pick] of injected.entries()) {
      const report = manifest.rescue.ranges[i] as RangeReport;
      expect(report.partition, `range ${i}`).toBe(pick.partition);
      expect(report.owners, `range ${i} (sector ${pick.firstSector})`).toEqual([pick.owner]);
    }
    const text = await lifeboat('inspect', '--repo', repo);
    for (const pick of injected) expect(text.stdout).toContain(pick.owner.name);
    expect(text.stdout).toMatch(new RegExp(`sectors? ${injected[0]?.firstSector}`));
  });

  it('restored onto a fresh disk, the filesystems pass their checkers and differ from the source only in the files with bad sectors, only there, as zeros', async () => {
    expect(rescued, 'the --rescue capture ran').toBeDefined();
    target.file = await scratch.sparseFile('target.img', 256 * MiB);
    target.device = await scratch.attach(target.file);
    const repo = path.join(scratch.dir, 'rescue-repo');
    const restored = await lifeboat(
      'restore',
      '--repo',
      repo,
      '--target',
      target.device,
      '--verify',
      '--yes',
      '--confirm-target',
      path.basename(target.device),
      '--json',
    );
    expect(restored.exitCode, restored.stdout.slice(-1500) + restored.stderr).toBe(0);

    for (const [number, fs] of [
      [2, 'ntfs'],
      [3, 'ext4'],
    ] as const) {
      const copy = `${target.device}p${number}`;
      const check = await checkFilesystem(copy, fs);
      expect(check.ok, check.output).toBe(true);
      const sourcePart = `${source.device}p${number}`;
      const damaged = injected.filter((p) => p.partition === number && p.owner.kind === 'file');
      const damagedPaths = [...new Set(damaged.map((p) => p.owner.name.slice(1)))].sort();
      const differences = compareTrees(await treeDigest(sourcePart, fs), await treeDigest(copy, fs));
      expect([...new Set(differences.map((d) => d.split(':')[0]))].sort(), differences.join('\n')).toEqual(damagedPaths);
      expect(
        differences.every((d) => /: sha256 /.test(d)),
        differences.join('\n'),
      ).toBe(true);

      // Byte by byte: each damaged file differs exactly in the bytes the bad sectors held, and those are zeros.
      for (const file of damagedPaths) {
        const [before, after] = await Promise.all([
          withMount(sourcePart, fs, 'ro', (root) => readFile(path.join(root, file))),
          withMount(copy, fs, 'ro', (root) => readFile(path.join(root, file))),
        ]);
        const expected = damaged.filter((p) => p.owner.name === `/${file}`).map((p) => p.owner as { fileOffsetBytes: number; lengthBytes: number });
        const inExpected = (i: number) => expected.some((r) => i >= r.fileOffsetBytes && i < r.fileOffsetBytes + r.lengthBytes);
        let differing = 0;
        for (let i = 0; i < before.length; i++) {
          if (before[i] === after[i]) continue;
          differing++;
          expect(inExpected(i), `${file} byte ${i} differs outside the bad sectors`).toBe(true);
        }
        for (const r of expected)
          expect(
            after.subarray(r.fileOffsetBytes, r.fileOffsetBytes + r.lengthBytes).every((x) => x === 0),
            `${file} at ${r.fileOffsetBytes}`,
          ).toBe(true);
        expect(differing).toBeGreaterThan(0);
      }
    }
  });

  it('the raw bytes of every used range are equal on source and restored disk, except the bad sectors, which hold zeros', async () => {
    expect(target.file, 'the restore ran').not.toBe('');
    const inspected = await lifeboat('inspect', source.file, '--json', '--map');
    const disk = JSON.parse(inspected.stdout) as {
      partitions: Array<{ number: number; startBytes: number; blockSizeBytes: number; map: Array<[number, number]> }>;
    };
    const bad = new Set(sectorsOf(injected));
    const differing: number[] = [];
    for (const part of disk.partitions) {
      for (const [start, count] of part.map) {
        const { sectors, zeroInB } = await differingSectors(
          source.file,
          target.file,
          part.startBytes + start * part.blockSizeBytes,
          count * part.blockSizeBytes,
        );
        expect(zeroInB, `partition ${part.number}: a differing sector is not zero on the restored disk`).toBe(true);
        differing.push(...sectors);
      }
    }
    expect(
      differing.filter((s) => !bad.has(s)),
      'sectors that differ but were readable',
    ).toEqual([]);
    // Every bad sector whose source bytes were not zeros shows up as a difference.
    const sourceNonZero: number[] = [];
    const handle = await open(source.file, 'r');
    try {
      const sector = Buffer.alloc(SECTOR);
      for (const s of bad) {
        await handle.read(sector, 0, SECTOR, s * SECTOR);
        if (!sector.every((x) => x === 0)) sourceNonZero.push(s);
      }
    } finally {
      await handle.close();
    }
    expect(differing.sort((a, b) => a - b)).toEqual(sourceNonZero.sort((a, b) => a - b));
    // File data is random, so at least every sector inside a file must have shown up.
    const fileSectors = sectorsOf(injected.filter((p) => p.owner.kind === 'file'));
    expect(fileSectors.every((s) => sourceNonZero.includes(s))).toBe(true);
  });
});
