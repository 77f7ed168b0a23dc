import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Repository } from '../../../recovery/repository/repository.js';
import { realBackend } from '../../../recovery/ui/backend/real-backend.js';
import type { JobIo } from '../../../recovery/ui/backend/types.js';
import { describeWith } from '../../helpers/requirements.js';
import { blankImage, imageWithExt4, repositoryOf, type ImageDisk } from './harness.js';

/** The io of a job whose Ctrl-C was already confirmed: the signal is aborted before the first chunk. */
function stopped(): JobIo & { phases: string[] } {
  const controller = new AbortController();
  controller.abort();
  const phases: string[] = [];
  return { signal: controller.signal, onProgress: (e) => phases.push(e.phase), onWarning: () => undefined, phases };
}

describeWith(['tool:sfdisk', 'tool:mkfs.ext4'], "the screens' Ctrl-C reaches the engine through the backend", () => {
  let dir: string;
  let source: ImageDisk;
  let repo: string;
  const backend = realBackend({});

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-cancel-'));
    source = await imageWithExt4(dir, 'source');
    repo = path.join(dir, 'repo');
    await repositoryOf(source.file, repo);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a cancelled capture ends with CANCELLED and adds no snapshot', async () => {
    const io = stopped();
    await expect(backend.capture({ sourcePath: source.file, repoDir: repo, level: 1, note: null, verifyAfter: true }, io)).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect((await (await Repository.open(repo)).listSnapshots()).snapshots).toHaveLength(1);
  });

  it('a cancelled restore ends with CANCELLED before anything reaches the target', async () => {
    const target = await blankImage(dir, 'target');
    const snapshot = (await (await Repository.open(repo)).findSnapshot()).id;
    await expect(backend.restore({ repoDir: repo, snapshotId: snapshot, targetPath: target.file, verify: true }, stopped())).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect((await readFile(target.file)).every((byte) => byte === 0)).toBe(true);
  });

  it('a cancelled check and a cancelled comparison end with CANCELLED', async () => {
    await expect(backend.verify({ repoDir: repo, snapshotId: null }, stopped())).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(backend.verify({ repoDir: repo, snapshotId: null, againstPath: source.file }, stopped())).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('a cancelled clone ends with CANCELLED and leaves no partition table on the target', async () => {
    const target = await blankImage(dir, 'clone-target');
    await expect(backend.clone({ sourcePath: source.file, targetPath: target.file, verify: false }, stopped())).rejects.toMatchObject({ code: 'CANCELLED' });
    const bytes = await readFile(target.file);
    expect(bytes.subarray(510, 512).toString('hex')).not.toBe('55aa');
    expect(bytes.subarray(512, 520).toString('latin1')).not.toBe('EFI PART');
  });
});
