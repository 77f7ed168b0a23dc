import { withHelper } from '../../helper/helper-client.js';
import { renderDiskTable } from '../../disks/disk-table.js';
import { disksToJson } from '../disks-json.js';

export interface DisksCommandOptions {
  json: boolean;
  sysroot?: string;
}

/** `lifeboat disks [--json]`: the machine's disks as the native helper sees them. */
export async function disksCommand(options: DisksCommandOptions): Promise<void> {
  const disks = await withHelper(options.sysroot === undefined ? {} : { sysroot: options.sysroot }, (helper) => helper.listDisks());
  process.stdout.write(options.json ? `${JSON.stringify(disksToJson(disks), null, 2)}\n` : renderDiskTable(disks));
}
