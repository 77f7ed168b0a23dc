import { withHelper } from '../../helper/helper-client.js';
import { renderDiskTable } from '../../disks/disk-table.js';
import { inspectDisks } from '../../disks/inspect-disks.js';
import { disksToJson } from '../disks-json.js';

export interface DisksCommandOptions {
  json: boolean;
  sysroot?: string;
}

/**
 * `lifeboat disks [--json]`: the machine's disks as the native helper sees them, with each
 * partition's filesystem read from the disk itself. Under --sysroot the devices are not real, so
 * only the helper's view is shown.
 */
export async function disksCommand(options: DisksCommandOptions): Promise<void> {
  const disks = await withHelper(options.sysroot === undefined ? {} : { sysroot: options.sysroot }, async (helper) => {
    const listed = await helper.listDisks();
    return options.sysroot === undefined ? inspectDisks(listed, helper) : listed;
  });
  process.stdout.write(options.json ? `${JSON.stringify(disksToJson(disks), null, 2)}\n` : renderDiskTable(disks));
}
