import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifeboatError } from '../../../recovery/core/errors.js';
import { imageCandidates, LIVE_IMAGE_NAME, locateImage } from '../../../recovery/media/locate-image.js';

describe('finding the live image', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-locate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('looks beside the program, then in dist/ of every directory above the module, then on the live medium', () => {
    const places = { execPath: '/opt/lifeboat/lifeboat-linux-x64', moduleDir: '/src/lifeboat/build/recovery/media', mediumDir: '/run/lifeboat/medium' };
    const candidates = imageCandidates(places);
    expect(candidates[0]).toBe(`/opt/lifeboat/${LIVE_IMAGE_NAME}`);
    expect(candidates).toContain(`/src/lifeboat/dist/${LIVE_IMAGE_NAME}`);
    expect(candidates.indexOf(`/src/lifeboat/build/dist/${LIVE_IMAGE_NAME}`)).toBeLessThan(candidates.indexOf(`/src/lifeboat/dist/${LIVE_IMAGE_NAME}`));
    expect(candidates.at(-1)).toBe(`/run/lifeboat/medium/${LIVE_IMAGE_NAME}`);
  });

  it('takes the first that exists, and says where it looked and what to do when none does', async () => {
    const places = {
      execPath: path.join(dir, 'bin', 'lifeboat'),
      moduleDir: path.join(dir, 'checkout', 'recovery', 'media'),
      mediumDir: path.join(dir, 'medium'),
    };
    const none = (() => {
      try {
        locateImage(undefined, places);
      } catch (error) {
        return error as LifeboatError;
      }
      return null;
    })();
    expect(none?.code).toBe('MEDIA_IMAGE_MISSING');
    expect(none?.message).toContain('--image');
    await mkdir(path.join(dir, 'medium'), { recursive: true });
    await writeFile(path.join(dir, 'medium', LIVE_IMAGE_NAME), 'x');
    expect(locateImage(undefined, places)).toBe(path.join(dir, 'medium', LIVE_IMAGE_NAME));
    await mkdir(path.join(dir, 'checkout', 'dist'), { recursive: true });
    await writeFile(path.join(dir, 'checkout', 'dist', LIVE_IMAGE_NAME), 'x');
    expect(locateImage(undefined, places)).toBe(path.join(dir, 'checkout', 'dist', LIVE_IMAGE_NAME));
    await mkdir(path.join(dir, 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'bin', LIVE_IMAGE_NAME), 'x');
    expect(locateImage(undefined, places)).toBe(path.join(dir, 'bin', LIVE_IMAGE_NAME));
  });

  it('an explicit --image must exist and be a file', () => {
    expect(() => locateImage(path.join(dir, 'nope.iso'))).toThrow(/does not exist/);
    expect(() => locateImage(dir)).toThrow(/is not a file/);
  });
});
