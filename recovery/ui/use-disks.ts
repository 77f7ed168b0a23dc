import { useEffect, useState } from 'react';
import { toLifeboatError, type LifeboatError } from '../core/errors.js';
import { withHelper, type HelperOptions } from '../helper/helper-client.js';
import type { HelperDisk } from '../helper/protocol.js';

export type DisksState =
  | { status: 'loading' }
  | { status: 'ready'; disks: HelperDisk[] }
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

function defaultLoad(options: HelperOptions): Promise<HelperDisk[]> {
  return withHelper(options, (helper) => helper.listDisks());
}
