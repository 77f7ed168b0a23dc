/**
 * Where `lifeboat media write` finds the live image when `--image` is not given: beside the
 * program (the single binary is shipped next to the ISO), in the checkout's `dist/` (where
 * build-scripts/build-live.sh leaves it), and on the medium a running live system booted from,
 * so a Lifeboat stick can make another one.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifeboatError } from '../core/errors.js';

export const LIVE_IMAGE_NAME = 'lifeboat-live.iso';
/** Where the live system mounts the medium it booted from (docs/helper-protocol.md, isBootMedium). */
export const LIVE_MEDIUM_DIR = '/run/lifeboat/medium';

export interface ImagePlaces {
  /** The running program: the single binary, or Node for a checkout. */
  execPath: string;
  /** The directory of this module; the checkout's `dist/` is found by walking up from it. */
  moduleDir: string;
  mediumDir: string;
}

export function defaultImagePlaces(): ImagePlaces {
  return { execPath: process.execPath, moduleDir: path.dirname(fileURLToPath(import.meta.url)), mediumDir: LIVE_MEDIUM_DIR };
}

/** Every place looked at, in order: beside the program, `dist/` of each directory above this module, the live medium. */
export function imageCandidates(places: ImagePlaces): string[] {
  const candidates = [path.join(path.dirname(places.execPath), LIVE_IMAGE_NAME)];
  // From sources (recovery/media) and from build/recovery/media alike, the checkout is a few levels up.
  for (let dir = places.moduleDir; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'dist', LIVE_IMAGE_NAME));
    if (path.dirname(dir) === dir) break;
  }
  candidates.push(path.join(places.mediumDir, LIVE_IMAGE_NAME));
  return [...new Set(candidates)];
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The image to write: `explicit` when given (it must be a file), else the first candidate that exists. */
export function locateImage(explicit: string | undefined, places: ImagePlaces = defaultImagePlaces()): string {
  if (explicit !== undefined) {
    if (!existsSync(explicit))
      throw new LifeboatError('MEDIA_IMAGE_MISSING', `The image ${explicit} does not exist; check the path given to --image.`, {
        details: { device: explicit },
      });
    if (!isFile(explicit))
      throw new LifeboatError('MEDIA_IMAGE_INVALID', `${explicit} is not a file; --image takes the live image file (${LIVE_IMAGE_NAME}).`, {
        details: { device: explicit },
      });
    return path.resolve(explicit);
  }
  const candidates = imageCandidates(places);
  const found = candidates.find(isFile);
  if (found === undefined) {
    throw new LifeboatError(
      'MEDIA_IMAGE_MISSING',
      `No live image ${LIVE_IMAGE_NAME} was found beside the program (${path.dirname(places.execPath)}), in a dist/ folder at or above ${places.moduleDir}, or on the live medium (${places.mediumDir}). Build it with build-scripts/build-live.sh, or name it with --image FILE.`,
    );
  }
  return found;
}
