import { diskFlags, type DiskFlag } from '../disks/disk-flags.js';
import type { ListedDisk } from '../disks/disk-table.js';

/** Version of the `lifeboat disks --json` document; docs/disks-json.md describes it. Fields are only added within a version. */
export const DISKS_JSON_SCHEMA = 'lifeboat.disks/1';

export interface DisksJson {
  schema: typeof DISKS_JSON_SCHEMA;
  disks: Array<ListedDisk & { flags: DiskFlag[] }>;
}

export function disksToJson(disks: ListedDisk[]): DisksJson {
  return { schema: DISKS_JSON_SCHEMA, disks: disks.map((d) => ({ ...d, flags: diskFlags(d) })) };
}
