import manifest from '../../package.json' with { type: 'json' };

/** The version printed by `lifeboat --version` and written into every image manifest. */
export const LIFEBOAT_VERSION: string = manifest.version;
