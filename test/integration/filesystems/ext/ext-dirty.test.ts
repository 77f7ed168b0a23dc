import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { extProber } from '../../../../recovery/filesystems/ext/index.js';
import type { FilesystemInfo } from '../../../../recovery/filesystems/filesystem-types.js';
import { Scratch } from '../../../helpers/loop-device.js';
import { describeWith } from '../../../helpers/requirements.js';
import { blkidView, imageSource } from './ext-oracles.js';

const MiB = 1024 * 1024;

async function probeFile(image: string): Promise<FilesystemInfo | null> {
  const { source, close } = await imageSource(image);
  try {
    return await extProber.probe(source);
  } finally {
    await close();
  }
}

/** dumpe2fs' own words for the state and whether needs_recovery is among the features. */
async function dumpState(image: string): Promise<{ state: string; needsRecovery: boolean }> {
  const { stdout } = await execa('dumpe2fs', ['-h', image], { stderr: 'ignore' });
  return {
    state: /^Filesystem state:\s+(.*)$/m.exec(stdout)?.[1] ?? '',
    needsRecovery: /^Filesystem features:.*\bneeds_recovery\b/m.test(stdout),
  };
}

async function debugfs(image: string, request: string): Promise<void> {
  await execa('debugfs', ['-w', '-R', request, image]);
}

describeWith(
  ['root', 'loop-devices', 'tool:mkfs.ext4', 'tool:debugfs', 'tool:dumpe2fs', 'tool:blkid'],
  'ext dirty flags are reported with their reason',
  () => {
    let scratch: Scratch;
    let image: string;
    beforeEach(async () => {
      scratch = await Scratch.create();
      image = await scratch.sparseFile('dirty.img', 16 * MiB);
      await execa('mkfs.ext4', ['-q', '-F', image]);
    });
    afterEach(async () => scratch.cleanup());

    it('a freshly made filesystem is clean', async () => {
      expect(await dumpState(image)).toEqual({ state: 'clean', needsRecovery: false });
      expect(await probeFile(image)).toMatchObject({ dirty: false, dirtyReason: null });
    });

    it('a copy taken while mounted needs journal recovery', async () => {
      const device = await scratch.attach(image);
      const mountPoint = await scratch.mount(device, 'mnt');
      const copy = path.join(scratch.dir, 'live-copy.img');
      try {
        await copyFile(image, copy);
      } finally {
        await execa('umount', [mountPoint]);
        await scratch.detach(device);
      }
      expect(await dumpState(copy)).toEqual({ state: 'clean', needsRecovery: true });
      expect(await probeFile(copy)).toMatchObject({ type: 'ext4', dirty: true, dirtyReason: 'needs journal recovery' });
    });

    it('the needs_recovery feature set by debugfs is "needs journal recovery"', async () => {
      await debugfs(image, 'feature needs_recovery');
      expect((await dumpState(image)).needsRecovery).toBe(true);
      expect(await probeFile(image)).toMatchObject({ dirty: true, dirtyReason: 'needs journal recovery' });
    });

    it('a state without VALID is "not cleanly unmounted"', async () => {
      await debugfs(image, 'ssv state 0');
      expect(await dumpState(image)).toEqual({ state: 'not clean', needsRecovery: false });
      expect(await probeFile(image)).toMatchObject({ dirty: true, dirtyReason: 'not cleanly unmounted' });
    });

    it('a state with ERROR is "errors recorded"', async () => {
      await debugfs(image, 'ssv state 3');
      expect(await dumpState(image)).toEqual({ state: 'clean with errors', needsRecovery: false });
      expect(await probeFile(image)).toMatchObject({ dirty: true, dirtyReason: 'errors recorded' });
    });

    it('an external journal device is not a filesystem (blkid: jbd), so the ext prober declines it', async () => {
      const journal = await scratch.sparseFile('journal.img', 8 * MiB);
      await execa('mke2fs', ['-q', '-F', '-O', 'journal_dev', journal]);
      expect((await blkidView(journal)).get('TYPE')).toBe('jbd');
      expect(await probeFile(journal)).toBeNull();
    });
  },
);
