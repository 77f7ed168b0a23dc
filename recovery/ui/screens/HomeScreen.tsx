import { Text } from 'ink';
import { useState } from 'react';
import { useAppServices, type HelpText } from '../app-context.js';
import { Frame } from '../components/Frame.js';
import { SelectList, type ListItem } from '../components/SelectList.js';
import { useScreenInput } from '../use-screen-input.js';

export type Route = 'home' | 'capture' | 'restore' | 'clone' | 'verify' | 'disks';

const HELP: HelpText = {
  title: 'Lifeboat',
  lines: [
    'Capture saves a disk into an image; Restore writes an image back onto a disk;',
    'Clone copies a disk onto another; Verify checks an image; Disks shows them all.',
    'Up/Down choose, Enter opens, Esc goes back one step, ? shows help on any',
    'screen. Nothing is written to a disk before you type its name to confirm.',
    'Open a shell gives a command line; type exit there to come back here.',
  ],
};

export function HomeScreen({ open }: { open: (route: Route) => void }) {
  const { disks, live, exit } = useAppServices();
  const [power, setPower] = useState(false);
  useScreenInput((input) => {
    if (input === 'q' && !power) exit({ next: 'quit' });
  });

  if (power) {
    return (
      <Frame title="Reboot / Power off" help={HELP} keys="Enter: choose  Esc: back" onBack={() => setPower(false)}>
        <Text>Lifeboat unmounts what it mounted first.</Text>
        <Text> </Text>
        <SelectList
          items={[
            { key: 'reboot', label: 'Reboot' },
            { key: 'poweroff', label: 'Power off' },
            { key: 'back', label: 'Back' },
          ]}
          height={3}
          onSelect={(item) => (item.key === 'back' ? setPower(false) : exit({ next: item.key === 'reboot' ? 'reboot' : 'poweroff' }))}
        />
      </Frame>
    );
  }

  const items: ListItem[] = [
    { key: 'capture', label: 'Capture a disk       save a disk or a partition into an image' },
    { key: 'restore', label: 'Restore an image     write an image back onto a disk' },
    { key: 'clone', label: 'Clone a disk         copy a disk directly onto another disk' },
    { key: 'verify', label: 'Verify an image      check an image, or compare a disk with it' },
    { key: 'disks', label: 'Disks                partitions, filesystems, used and free space' },
    { key: 'shell', label: 'Open a shell         a command line; type exit to come back' },
    ...(live ? [{ key: 'power', label: 'Reboot / Power off' }] : []),
    { key: 'quit', label: 'Quit' },
  ];
  const count = disks.state.status === 'ready' ? disks.state.disks.length : null;
  return (
    <Frame
      title="Disk imaging and recovery"
      help={HELP}
      keys="Enter: open  q: quit"
      status={disks.state.status === 'failed' ? <Text color="red" wrap="wrap">{`${disks.state.error.message} [${disks.state.error.code}]`}</Text> : undefined}
    >
      <Text>What do you want to do?</Text>
      <Text> </Text>
      <SelectList
        items={items}
        height={items.length}
        onSelect={(item) => {
          if (item.key === 'quit') exit({ next: 'quit' });
          else if (item.key === 'shell') exit({ next: 'shell' });
          else if (item.key === 'power') setPower(true);
          else open(item.key as Route);
        }}
      />
      <Text> </Text>
      <Text dimColor>
        {count === null
          ? disks.state.status === 'loading'
            ? 'Looking for disks...'
            : ' '
          : `${count} disk(s) found${disks.state.status === 'ready' && disks.state.reading ? '; reading their filesystems...' : '.'}`}
      </Text>
    </Frame>
  );
}
