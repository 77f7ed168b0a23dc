import { useEffect, useState } from 'react';
import { toLifeboatError, type LifeboatError } from '../core/errors.js';
import { withHelper, type HelperOptions } from '../helper/helper-client.js';
import type { ListedDisk } from '../disks/disk-table.js';
import { inspectDisks } from '../disks/inspect-disks.js';

export type DisksState =
  | { status: 'loading' }
  | { status: 'ready'; disks: ListedDisk[] }
  | { status: 'failed'; error: LifeboatError };

/** Loads the disk list through the native helper once, off the render path. */
export function useDisks(options: HelperOptions, load = defaultLoad): DisksState {
  const [state, setState] = useState<DisksState>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    load(options).then(
      (disks) => live && setState({ status: 'ready', disks }),
      (error: unknown) => live && setState({ status: 'failed', error: toLifeboatError(error) }),
    );
    return () => {
      live = false;
    };
    // The options are fixed for the life of the screen.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return state;
}

function defaultLoad(options: HelperOptions): Promise<ListedDisk[]> {
  // Under --sysroot the devices are a captured /sys tree, not real disks: nothing to read.
  return withHelper(options, async (helper) => {
    const listed = await helper.listDisks();
    return options.sysroot === undefined ? inspectDisks(listed, helper) : listed;
  });
}
