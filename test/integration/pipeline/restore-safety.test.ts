import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { MiB, jsonLines, lifeboat, resultOf, sha256File, smallGptDisk } from './cli-pipeline.js';

/** Fills a file with a pattern, so "unchanged" is a real claim (zeros would hide a zero write). */
async function patterned(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.alloc(MiB, 0x5a);
  for (let at = 0; at < sizeBytes; at += MiB) await handle.write(block, 0, Math.min(MiB, sizeBytes - at), at);
  await handle.close();
}

describeWith(
  ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4', 'tool:mkfs.fat', 'tool:e2fsck'],
  'restore refuses before writing when it cannot finish safely',
  () => {
    const scratch = useScratch('all');
    let source = { file: '', device: '' };
    let repo = '';
    let snapshotId = '';

    beforeAll(async () => {
      source = await smallGptDisk(scratch(), 'source.img');
      repo = path.join(scratch().dir, 'repo');
      const captured = await lifeboat('capture', '--source', source.device, '--repo', repo, '--note', 'safety', '--json');
      expect(captured.exitCode, captured.stderr).toBe(0);
      snapshotId = String(resultOf(captured.stdout)['snapshot']);
    });

    it('a target smaller than the partition table needs is refused, saying by how much, and is left byte for byte as it was', async () => {
      const target = path.join(scratch().dir, 'small.img');
      await patterned(target, 64 * MiB);
      const before = await sha256File(target);
      const result = await lifeboat('restore', '--repo', repo, '--target', target, '--yes', '--confirm-target', target);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/too small: it has 67108864 bytes and the snapshot needs \d+/);
      expect(result.stderr).toContain('[OUT_OF_RANGE]');
      expect(await sha256File(target)).toBe(before);
    });

    it('--yes without a matching --confirm-target writes nothing', async () => {
      const target = path.join(scratch().dir, 'unconfirmed.img');
      await patterned(target, 128 * MiB);
      const before = await sha256File(target);
      const missing = await lifeboat('restore', '--repo', repo, '--target', target, '--yes');
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain('[NOT_CONFIRMED]');
      const wrong = await lifeboat('restore', '--repo', repo, '--target', target, '--yes', '--confirm-target', 'sdz');
      expect(wrong.stderr).toContain('does not name the target');
      const noTerminal = await lifeboat('restore', '--repo', repo, '--target', target);
      expect(noTerminal.stderr).toContain('no terminal');
      expect(await sha256File(target)).toBe(before);
    });

    it('a disk with a mounted partition is refused as a target; as a source it is read with a consistency warning', async () => {
      const busyFile = path.join(scratch().dir, 'busy.img');
      await patterned(busyFile, 8 * MiB);
      const busy = await smallGptDisk(scratch(), 'busy-disk.img');
      await scratch().mount(`${busy.device}p1`, 'busy-mnt');
      const refused = await lifeboat('restore', '--repo', repo, '--target', busy.device, '--yes', '--confirm-target', path.basename(busy.device));
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('[TARGET_REFUSED]');
      expect(refused.stderr).toMatch(/mounted filesystems \(.*busy-mnt\)/);
      const captured = await lifeboat('capture', '--source', busy.device, '--repo', path.join(scratch().dir, 'busy-repo'), '--json');
      expect(captured.exitCode, captured.stdout).toBe(0);
      const warnings = jsonLines(captured.stdout)
        .filter((line) => line['type'] === 'warning')
        .map((line) => String(line['message']));
      expect(warnings.some((w) => w.includes('mounted filesystems') && w.includes('inconsistent'))).toBe(true);
    });

    it('the disk that holds the repository is refused as a target', async () => {
      const holder = await smallGptDisk(scratch(), 'holder.img');
      const mountpoint = await scratch().mount(`${holder.device}p1`, 'holder-mnt');
      const innerRepo = path.join(mountpoint, 'repo');
      await execa('cp', ['-a', repo, innerRepo]);
      const result = await lifeboat(
        'restore',
        '--repo',
        innerRepo,
        '--target',
        `${holder.device}p2`,
        '--partition',
        '2',
        '--yes',
        '--confirm-target',
        `${path.basename(holder.device)}p2`,
      );
      // p2 is not mounted and does not hold the repository: a partition restore there is allowed.
      expect(result.exitCode, result.stderr).toBe(0);
      const whole = await lifeboat('restore', '--repo', innerRepo, '--target', holder.device, '--yes', '--confirm-target', path.basename(holder.device));
      expect(whole.exitCode).toBe(1);
      expect(whole.stderr).toContain('[TARGET_REFUSED]');
      expect(whole.stderr).toContain(`holds the repository ${innerRepo}`);
    });

    it('one flipped byte in a pack: verify names the chunk, the partition and its byte range, and restore refuses before writing', async () => {
      const damaged = path.join(scratch().dir, 'damaged-repo');
      await execa('cp', ['-a', repo, damaged]);
      const packDir = path.join(damaged, 'packs');
      const sub = (await readdir(packDir))[0] as string;
      const pack = path.join(packDir, sub, (await readdir(path.join(packDir, sub)))[0] as string);
      // Flip a byte well inside the first blob's stored bytes (header 32 + blob header 48).
      const handle = await open(pack, 'r+');
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, 32 + 48 + 100);
      byte[0] = (byte[0] ?? 0) ^ 0xff;
      await handle.write(byte, 0, 1, 32 + 48 + 100);
      await handle.close();

      const verify = await lifeboat('verify', '--repo', damaged);
      expect(verify.exitCode).toBe(1);
      expect(verify.stderr).toMatch(
        /Chunk [0-9a-f]{16} in pack .* is damaged \(its CRC-32C does not match\)\. It holds (partition \d+ \([a-z0-9]+[^)]*\)|boot-loader gap), bytes \d+-\d+ of the (partition|gap) \(disk bytes \d+-\d+\)/,
      );

      const target = path.join(scratch().dir, 'untouched.img');
      await patterned(target, 128 * MiB);
      const before = await sha256File(target);
      const restore = await lifeboat('restore', '--repo', damaged, '--target', target, '--yes', '--confirm-target', target);
      expect(restore.exitCode).toBe(1);
      expect(restore.stderr).toContain('[CORRUPT_IMAGE]');
      expect(await sha256File(target)).toBe(before);
    });

    it('a second capture of the unchanged disk stores almost nothing and is a complete snapshot', async () => {
      const repoSize = async () => Number((await execa('du', ['-sb', repo])).stdout.split('\t')[0]);
      const before = await repoSize();
      const second = await lifeboat('capture', '--source', source.device, '--repo', repo, '--json');
      expect(second.exitCode, second.stderr).toBe(0);
      const result = resultOf(second.stdout);
      expect(result['newChunks']).toBe(0);
      const added = (await repoSize()) - before;
      // Only the new manifest and no pack: well under 1% of what the first capture stored.
      expect(added).toBeLessThan(64 * 1024);
      const listed = await lifeboat('snapshots', '--repo', repo, '--json');
      const snapshots = (JSON.parse(listed.stdout) as { snapshots: Array<{ id: string }> }).snapshots;
      expect(snapshots.map((s) => s.id)).toContain(snapshotId);
      expect(snapshots).toHaveLength(2);
      const against = await lifeboat('verify', '--repo', repo, '--snapshot', String(result['snapshot']), '--against', source.device);
      expect(against.exitCode, against.stderr).toBe(0);
      expect(against.stdout).toContain('matches snapshot');
      expect((await stat(String(result['file']))).size).toBeGreaterThan(0);
    });
  },
);
