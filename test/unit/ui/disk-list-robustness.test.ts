import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../helpers/requirements.js';
import { blankImage, imageDiskFacts, imageWithExt4, inspected } from './harness.js';

const MiB = 1024 * 1024;

describeWith(['tool:sfdisk', 'tool:mkfs.ext4'], 'the disk list the screens choose from', () => {
  it('keeps every disk when the kernel places a partition past the end of one (a disk shrunk or attached mid-test)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-list-'));
    try {
      const good = await imageWithExt4(dir, 'good');
      const short = await blankImage(dir, 'short', 4 * MiB);
      const odd = imageDiskFacts(short.file, 'short', 4 * MiB, [{ number: 1, startBytes: 8 * MiB, sizeBytes: 0 }]);
      const [first, second] = await inspected([odd, good.disk]);
      expect(second?.partitions[0]?.filesystem?.type).toBe('ext4');
      expect(first?.partitions[0]?.filesystem).toBeNull();
      expect(first?.partitions[0]).toMatchObject({ filesystemProblem: { code: 'TRUNCATED' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
