import { Box, Text, useApp, useInput } from 'ink';
import { useEffect } from 'react';
import { LIFEBOAT_VERSION } from '../core/version.js';
import type { HelperOptions } from '../helper/helper-client.js';
import type { HelperDisk } from '../helper/protocol.js';
import { DiskList } from './DiskList.js';
import { useDisks } from './use-disks.js';

export interface AppProps {
  helperOptions: HelperOptions;
  /** False when there is no keyboard (output piped): show the list once and end. */
  interactive: boolean;
  loadDisks?: (options: HelperOptions) => Promise<HelperDisk[]>;
}

/** The application's first screen: the disks of this machine. The wizard grows from here. */
export function App({ helperOptions, interactive, loadDisks }: AppProps) {
  const state = useDisks(helperOptions, loadDisks);
  const { exit } = useApp();

  useEffect(() => {
    if (!interactive && state.status !== 'loading') exit();
  }, [interactive, state.status, exit]);

  return (
    <Box flexDirection="column">
      <Text bold>Lifeboat {LIFEBOAT_VERSION} - disks of this machine</Text>
      <Text> </Text>
      {state.status === 'loading' && <Text>Looking for disks...</Text>}
      {state.status === 'failed' && (
        <Text color="red">
          {state.error.message} [{state.error.code}]
        </Text>
      )}
      {state.status === 'ready' && <DiskList disks={state.disks} />}
      {interactive && (
        <>
          <Text> </Text>
          <Text dimColor>q: quit</Text>
          <QuitKeys />
        </>
      )}
    </Box>
  );
}

function QuitKeys() {
  const { exit } = useApp();
  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });
  return null;
}
