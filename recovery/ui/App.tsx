import { Box, Text, useApp, useInput } from 'ink';
import { LIFEBOAT_VERSION } from '../core/version.js';
import { FLAG_LEGEND } from '../disks/disk-table.js';
import type { HelperOptions } from '../helper/helper-client.js';
import { DiskList } from './DiskList.js';
import { useDisks, type LoadDisks } from './use-disks.js';

export interface AppProps {
  helperOptions: HelperOptions;
  /** Where the disks come from; the native helper unless a test gives its own. */
  loadDisks?: LoadDisks;
}

/** The application's first screen: the disks of this machine. The wizard grows from here. */
export function App({ helperOptions, loadDisks }: AppProps) {
  const state = useDisks(helperOptions, loadDisks);
  const { exit } = useApp();
  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });

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
      {state.status === 'ready' && state.reading && <Text dimColor>Reading partition tables and filesystems...</Text>}
      <Text> </Text>
      <Text dimColor>{FLAG_LEGEND}</Text>
      <Text dimColor>q: quit</Text>
    </Box>
  );
}
