import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifeboatError } from '../core/errors.js';

/** Where `npm run build:native` puts the helper for a platform, relative to native/build. */
export function helperBuildPath(platform: NodeJS.Platform = process.platform): string[] {
  return platform === 'win32' ? ['windows', 'lifeboat-helper.exe'] : ['lifeboat-helper'];
}

/**
 * Finds the native helper executable. `LIFEBOAT_HELPER` wins (the single binary sets it after
 * extracting its embedded copy); otherwise the one `npm ci` built in the checkout, found by walking
 * up from this module so it works both from sources (tests) and from build/.
 */
export function locateHelper(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = env['LIFEBOAT_HELPER'];
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new LifeboatError('HELPER_NOT_FOUND', `LIFEBOAT_HELPER points to ${fromEnv}, which does not exist. Unset it or point it at the helper program.`);
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'native', 'build', ...helperBuildPath(platform));
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new LifeboatError('HELPER_NOT_FOUND', 'The native disk helper has not been built. Run `npm ci` (or `npm run build:native`) in the Lifeboat checkout.');
}
