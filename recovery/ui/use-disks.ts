import { useCallback, useEffect, useState } from 'react';
import { toLifeboatError, type LifeboatError } from '../core/errors.js';
import { withHelper, type HelperOptions } from '../helper/helper-client.js';
import type { ListedDisk } from '../disks/disk-table.js';
import { inspectDisks } from '../disks/inspect-disks.js';

export type DisksState =
  | { status: 'loading' }
  /** `reading`: the helper's list is shown while each disk's table and filesystems are still being read. */
  | { status: 'ready'; disks: ListedDisk[]; reading: boolean }
  | { status: 'failed'; error: LifeboatError };

/**
 * Loads the disk list, off the render path. `load` may report the helper's bare list first
 * (`onListed`), so the screen shows the disks at once and fills in their filesystems when read:
 * reading every superblock takes longer, and a failing disk can take much longer.
 */
export type LoadDisks = (options: HelperOptions, onListed?: (disks: ListedDisk[]) => void) => Promise<ListedDisk[]>;

export interface Disks {
  state: DisksState;
  /** Reads the list again (after a mount, a restore, a stick plugged in); the old list stays shown meanwhile. */
  reload: () => void;
}

export function useDisks(options: HelperOptions, load: LoadDisks = defaultLoadDisks): Disks {
  const [state, setState] = useState<DisksState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    // On a reload the old, complete list stays until the new one is complete too.
    const onListed = generation === 0 ? (listed: ListedDisk[]) => live && setState({ status: 'ready', disks: listed, reading: true }) : undefined;
    load(options, onListed).then(
      (disks) => live && setState({ status: 'ready', disks, reading: false }),
      (error: unknown) => live && setState({ status: 'failed', error: toLifeboatError(error) }),
    );
    return () => {
      live = false;
    };
    // The options and the loader are fixed for the life of the app; only a reload reads again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [generation]);
  const reload = useCallback(() => {
    setState((now) => (now.status === 'ready' ? { ...now, reading: true } : { status: 'loading' }));
    setGeneration((n) => n + 1);
  }, []);
  return { state, reload };
}

export const defaultLoadDisks: LoadDisks = (options, onListed) =>
  withHelper(options, async (helper) => {
    const listed = await helper.listDisks();
    // Under --sysroot the devices are a captured /sys tree, not real disks: nothing to read.
    if (options.sysroot !== undefined) return listed;
    onListed?.(listed);
    return inspectDisks(listed, helper);
  });
