import type { HelperDisk } from '../helper/protocol.js';
import { diskFlags, type DiskFlag } from '../disks/disk-flags.js';

/** Version of the `lifeboat disks --json` document; docs/disks-json.md describes it. */
export const DISKS_JSON_SCHEMA = 'lifeboat.disks/1';

export interface DisksJson {
  schema: typeof DISKS_JSON_SCHEMA;
  disks: Array<HelperDisk & { flags: DiskFlag[] }>;
}

export function disksToJson(disks: HelperDisk[]): DisksJson {
  return { schema: DISKS_JSON_SCHEMA, disks: disks.map((d) => ({ ...d, flags: diskFlags(d) })) };
}
