/**
 * Real tools make the images (mkfs.btrfs, mkfs.xfs, mkswap, cryptsetup, pvcreate, xorriso) and
 * blkid is the oracle for type, version, label and UUID. Sizes and block sizes are checked against
 * each tool's own report, because this blkid (2.38) prints no FSSIZE and its BLOCK_SIZE is the
 * sector size for XFS.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { FilesystemInfo, Prober } from '../../../../recovery/filesystems/filesystem-types.js';
import { btrfsProber } from '../../../../recovery/filesystems/btrfs/btrfs-probe.js';
import { iso9660Prober } from '../../../../recovery/filesystems/iso9660/iso9660-probe.js';
import { luksProber } from '../../../../recovery/filesystems/luks/luks-probe.js';
import { lvmProber } from '../../../../recovery/filesystems/lvm/lvm-probe.js';
import { swapHeaderSizeBytes, swapProber } from '../../../../recovery/filesystems/swap/swap-probe.js';
import { xfsProber } from '../../../../recovery/filesystems/xfs/xfs-probe.js';
import { pvcreateFile, useScratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { blkidProbe, expectSameAsBlkid, fileSource } from './blkid-oracle.js';

const MiB = 1024 * 1024;

async function probeFile(prober: Prober, file: string): Promise<FilesystemInfo | null> {
  const source = await fileSource(file);
  try {
    return await prober.probe(source);
  } finally {
    await source.close();
  }
}

/** Overwrites bytes in place, as damage would. */
async function patchFile(file: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offsetBytes);
  } finally {
    await handle.close();
  }
}

describeWith(
  ['tool:blkid', 'tool:mkfs.btrfs', 'tool:mkfs.xfs', 'tool:xfs_db', 'tool:mkswap', 'tool:cryptsetup', 'tool:xorriso', 'tool:isosize'],
  'detection agrees with blkid on images made by the real tools',
  () => {
    const scratch = useScratch('all');

    it('btrfs: label, UUID, sector size and total_bytes match blkid and btrfs inspect-internal', async () => {
      const file = await scratch().sparseFile('btrfs.img', 128 * MiB);
      await execa('mkfs.btrfs', ['-q', '-L', 'lifeboat-btrfs', '-U', '3f1c2a4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b', file]);
      const info = await probeFile(btrfsProber, file);
      expectSameAsBlkid(info, await blkidProbe(file), { blockSizeIsBlkids: true });
      const { stdout } = await execa('btrfs', ['inspect-internal', 'dump-super', file]);
      expect(info?.sizeBytes).toBe(Number(/^total_bytes\s+(\d+)/m.exec(stdout)?.[1]));
      expect(info?.uuid).toBe('3f1c2a4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b');
    });

    it.each([
      ['v5 (CRC-checked)', ['-m', 'crc=1,uuid=0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9'], 4096],
      ['v4, 1 KiB blocks', ['-m', 'crc=0', '-b', 'size=1024'], 1024],
    ])('xfs %s: label and UUID match blkid, size and block size match xfs_db', async (_name, args, blockSize) => {
      const file = await scratch().sparseFile('xfs.img', 320 * MiB);
      await execa('mkfs.xfs', ['-q', '-f', '-L', 'lb-xfs', ...args, file]);
      const info = await probeFile(xfsProber, file);
      expectSameAsBlkid(info, await blkidProbe(file));
      const { stdout } = await execa('xfs_db', ['-r', file, '-c', 'sb 0', '-c', 'p blocksize dblocks']);
      const blocks = Number(/dblocks = (\d+)/.exec(stdout)?.[1]);
      expect(info?.blockSizeBytes).toBe(blockSize);
      expect(info?.blockSizeBytes).toBe(Number(/blocksize = (\d+)/.exec(stdout)?.[1]));
      expect(info?.sizeBytes).toBe(blocks * blockSize);
    });

    it.each([4096, 8192, 65536])('swap with %i-byte pages: label and UUID match blkid, size matches mkswap', async (pageSize) => {
      const file = await scratch().sparseFile(`swap-${pageSize}.img`, 16 * MiB + 12345);
      const { stdout } = await execa('mkswap', ['-p', String(pageSize), '-L', 'lb-swap', '-U', '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d', file], {
        reject: false,
      });
      const info = await probeFile(swapProber, file);
      expectSameAsBlkid(info, await blkidProbe(file));
      // mkswap reports the usable size, which excludes the header page.
      const usable = Number(/\((\d+) bytes\)/.exec(stdout)?.[1]);
      expect(info?.sizeBytes).toBe(usable + pageSize);
      expect(info && swapHeaderSizeBytes(info)).toBe(pageSize);
    });

    it.each([
      ['luks1', ['--type', 'luks1']],
      ['luks2', ['--type', 'luks2', '--pbkdf', 'pbkdf2', '--label', 'lb-vault', '--subsystem', 'lb-sub']],
    ])('%s: version, label and UUID match blkid', async (name, args) => {
      const file = await scratch().sparseFile(`${name}.img`, 20 * MiB);
      const keyFile = path.join(scratch().dir, 'key');
      await writeFile(keyFile, 'not-a-secret');
      await execa('cryptsetup', ['luksFormat', '--batch-mode', '--key-file', keyFile, '--pbkdf-force-iterations', '1000', ...args, file]);
      const info = await probeFile(luksProber, file);
      expectSameAsBlkid(info, await blkidProbe(file));
      const { stdout } = await execa('cryptsetup', ['luksUUID', file]);
      expect(info?.uuid).toBe(stdout.trim());
    });

    it('luks2 with a damaged primary header: the secondary copy answers, as blkid and cryptsetup use it', async () => {
      const file = await scratch().sparseFile('luks2-damaged.img', 20 * MiB);
      const keyFile = path.join(scratch().dir, 'key');
      await writeFile(keyFile, 'not-a-secret');
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
        'second',
        '--key-file',
        keyFile,
        file,
      ]);
      const before = await probeFile(luksProber, file);
      // Damage inside the primary's JSON area: magic intact, checksum wrong.
      await patchFile(file, 5000, Uint8Array.of(0x58, 0x58, 0x58));
      expect(await probeFile(luksProber, file)).toEqual(before);
      // Now the magic too: blkid also falls back to the secondary header.
      await patchFile(file, 0, new Uint8Array(6));
      const info = await probeFile(luksProber, file);
      expect(info).toEqual(before);
      expectSameAsBlkid(info, await blkidProbe(file));
    });

    it.each([
      ['a plain ISO', ['-V', 'LIFEBOAT_DISC']],
      ['a Joliet ISO with a mixed-case name', ['-J', '-V', 'Lifeboat Rescue Disc']],
    ])('iso9660, %s: label, UUID (from the dates) and version match blkid, size matches isosize', async (_name, args) => {
      const content = path.join(scratch().dir, 'iso-content');
      await mkdir(content, { recursive: true });
      await writeFile(path.join(content, 'readme.txt'), 'hello\n');
      const file = path.join(scratch().dir, 'disc.iso');
      await execa('xorriso', ['-as', 'mkisofs', ...args, '-o', file, content]);
      const info = await probeFile(iso9660Prober, file);
      expectSameAsBlkid(info, await blkidProbe(file), { blockSizeIsBlkids: true });
      const { stdout } = await execa('isosize', [file]);
      expect(info?.sizeBytes).toBe(Number(stdout.trim()));
    });
  },
);

describeWith(['root', 'loop-devices', 'tool:blkid', 'tool:pvcreate', 'tool:pvremove'], 'an LVM2 physical volume made by pvcreate', () => {
  const scratch = useScratch('all');

  it('UUID and version match blkid, size matches the device pvcreate saw', async () => {
    const file = await pvcreateFile(scratch(), 'pv.img', 24 * MiB);
    const info = await probeFile(lvmProber, file);
    expectSameAsBlkid(info, await blkidProbe(file));
    expect(info?.version).toBe('LVM2 001');
    expect(info?.sizeBytes).toBe(24 * MiB);
  });
});
