import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { canHoldImages, mountReadWrite, unmountFilesystem } from '../../../recovery/disks/mount-filesystem.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';

const MiB = 1024 * 1024;

/** Whether this kernel mounts `type` itself (the machine here has no vfat; the live image's kernel does). */
function kernelHas(type: string): boolean {
  return readFileSync('/proc/filesystems', 'utf8')
    .split('\n')
    .some((line) => line.trim().split(/\s+/).pop() === type);
}

describeWith(
  [
    'root',
    'loop-devices',
    'fuse',
    'tool:mkfs.ext4',
    'tool:mkfs.exfat',
    'tool:mkntfs',
    'tool:mkfs.fat',
    'tool:ntfs-3g',
    'tool:mount.exfat-fuse',
    'tool:fsck.exfat',
    'tool:ntfscat',
  ],
  'mounting a partition read-write to hold images',
  () => {
    const scratch = useScratch();

    async function blankDevice(name: string, sizeBytes = 64 * MiB): Promise<string> {
      return scratch().attach(await scratch().sparseFile(name, sizeBytes));
    }

    /** Mounts, writes a file, unmounts; the private mount directory is gone afterwards. */
    async function writeThrough(device: string, fsType: string, text: string): Promise<void> {
      const mounted = await mountReadWrite(device, fsType);
      expect(mounted.mountpoint.startsWith('/run/lifeboat/mnt-')).toBe(true);
      await writeFile(path.join(mounted.mountpoint, 'written-by-lifeboat.txt'), text);
      await unmountFilesystem(mounted);
      expect(existsSync(mounted.mountpoint)).toBe(false);
    }

    it('ext4 through the kernel: the file is there after unmounting and e2fsck finds nothing wrong', async () => {
      const device = await blankDevice('ext4.img');
      await execa('mkfs.ext4', ['-q', '-F', device]);
      await writeThrough(device, 'ext4', 'ext4 text');
      const { stdout } = await execa('debugfs', ['-R', 'cat /written-by-lifeboat.txt', device]);
      expect(stdout).toBe('ext4 text');
      expect((await execa('e2fsck', ['-f', '-n', device], { reject: false })).exitCode).toBe(0);
    });

    it('NTFS through ntfs-3g: ntfscat reads the file back and ntfsfix -n is content', async () => {
      const device = await blankDevice('ntfs.img');
      await execa('mkntfs', ['-Q', '-F', device]);
      await writeThrough(device, 'ntfs', 'ntfs text');
      expect((await execa('ntfscat', [device, 'written-by-lifeboat.txt'])).stdout).toBe('ntfs text');
      const check = await execa('ntfsfix', ['-n', device], { reject: false, all: true });
      expect(check.exitCode, check.all).toBe(0);
    });

    it('exFAT through the kernel or, where it has none, exfat-fuse: mounted again, the file reads back; fsck.exfat -n passes', async () => {
      const device = await blankDevice('exfat.img');
      await execa('mkfs.exfat', [device]);
      await writeThrough(device, 'exfat', 'exfat text');
      const again = await mountReadWrite(device, 'exfat');
      try {
        expect(await readFile(path.join(again.mountpoint, 'written-by-lifeboat.txt'), 'utf8')).toBe('exfat text');
      } finally {
        await unmountFilesystem(again);
      }
      const check = await execa('fsck.exfat', ['-n', device], { reject: false, all: true });
      expect(check.exitCode, check.all).toBe(0);
    });

    it('FAT32 through the kernel; a kernel without vfat gets a MOUNT_FAILED sentence naming the device, and no directory is left', async () => {
      const device = await blankDevice('fat.img', 48 * MiB);
      await execa('mkfs.fat', ['-F', '32', device]);
      if (kernelHas('vfat')) {
        await writeThrough(device, 'vfat', 'fat text');
        expect((await execa('mtype', ['-i', device, '::/WRITTE~1.TXT'], { reject: false })).stdout).toContain('fat text');
        return;
      }
      const error = await mountReadWrite(device, 'vfat').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'MOUNT_FAILED' });
      expect((error as Error).message).toContain(`Lifeboat could not mount ${device} (vfat) read-write: mount:`);
      expect((await execa('sh', ['-c', 'ls /run/lifeboat | grep -c mnt- || true'])).stdout.trim()).toBe('0');
    });

    it('refuses filesystems it cannot write images to, before running anything', async () => {
      expect(canHoldImages('swap')).toBe(false);
      expect(canHoldImages('ntfs')).toBe(true);
      const refused = await mountReadWrite('/dev/null', 'swap').catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'UNSUPPORTED' });
    });
  },
);
