import { Box, Text } from 'ink';
import { useState } from 'react';
import { formatBytes } from '../../core/format-bytes.js';
import type { ListedDisk } from '../../disks/disk-table.js';
import { partitionTypeName } from '../../partitions/partition-types.js';
import { useAppServices, type HelpText } from '../app-context.js';
import { Frame } from '../components/Frame.js';
import { SelectList } from '../components/SelectList.js';
import { diskFlagWords, diskLine, diskModel, filesystemWord, type ListedPartition } from '../disk-choices.js';
import { useScreenInput } from '../use-screen-input.js';
import { Line } from '../components/Line.js';

const TITLE = 'Disks';

const HELP: HelpText = {
  title: 'Disks',
  lines: [
    'Every disk of this machine. Enter shows one disk: its partitions, their',
    'filesystems, used and free space, and its flags. r reads the disks again',
    '(after plugging in a USB disk, say).',
    'Flags: system = runs this computer; boot medium = Lifeboat started from it;',
    'mounted = a partition is in use; in use = LVM, RAID or encryption is built on',
    'it. Disks with these flags are never offered as restore or clone targets.',
  ],
};

const ROWS = 9;

function cell(text: string, width: number): string {
  return text.length > width - 1 ? `${text.slice(0, width - 2)}~ ` : text.padEnd(width);
}

function partitionRow(p: ListedPartition): string {
  const fs = p.filesystem;
  const label = fs?.label || p.label;
  const flags = [fs?.dirty ? 'dirty' : '', p.readOnly ? 'ro' : '', ...p.holders.map((h) => `held by ${h}`), ...p.mountpoints].filter(Boolean).join(' ');
  return `${cell(p.name, 11)}${cell(formatBytes(p.sizeBytes), 10)}${cell(filesystemWord(fs) || partitionTypeName(p.type), 11)}${cell(label ? `"${label}"` : '', 11)}${cell(fs?.usedBytes != null ? formatBytes(fs.usedBytes) : '', 10)}${cell(fs?.freeBytes != null ? formatBytes(fs.freeBytes) : '', 10)}${flags}`.trimEnd();
}

/** The table type: the system's word, or (without udev, as on a live system) what the partition types show. */
function tableWord(disk: ListedDisk): string {
  if (disk.partitionTableType === 'gpt') return 'GPT';
  if (disk.partitionTableType === 'dos') return 'MBR';
  if (disk.partitions.some((p) => p.type?.includes('-'))) return 'GPT';
  if (disk.partitions.some((p) => p.type?.startsWith('0x'))) return 'MBR';
  return disk.partitions.length > 0 ? 'present' : 'none';
}

export function DiskDetail({ disk, onBack }: { disk: ListedDisk; onBack: () => void }) {
  const [top, setTop] = useState(0);
  const partitions = disk.partitions as ListedPartition[];
  useScreenInput((_input, key) => {
    if (key.downArrow || key.pageDown) setTop((t) => Math.max(0, Math.min(partitions.length - ROWS, t + (key.pageDown ? ROWS : 1))));
    if (key.upArrow || key.pageUp) setTop((t) => Math.max(0, t - (key.pageUp ? ROWS : 1)));
  });
  const inspected = 'inspectProblem' in disk ? disk : null;
  const whole = inspected?.filesystem ?? null;
  const flags = diskFlagWords(disk);
  const notes = [
    ...(inspected?.inspectProblem ? [inspected.inspectProblem.message] : []),
    ...(inspected?.partitionTableWarnings ?? []),
    ...partitions.flatMap((p) =>
      'filesystemProblem' in p && p.filesystemProblem ? [`${p.name}: ${(p.filesystemProblem as { message: string }).message}`] : [],
    ),
  ];
  return (
    <Frame title={TITLE} step={disk.path} help={HELP} keys="Up/Down: scroll  Esc: back" onBack={onBack}>
      <Line bold>{`${disk.path}  ${diskModel(disk)}`}</Line>
      <Line>{`Serial ${disk.serial ?? 'unknown'}${disk.wwn ? `, WWN ${disk.wwn}` : ''}`}</Line>
      <Line>{`${formatBytes(disk.sizeBytes)} (${disk.sizeBytes} bytes), ${disk.transport}, ${disk.rotational ? 'spinning' : 'solid state'}${disk.removable ? ', removable' : ''}`}</Line>
      <Line>{`${disk.logicalSectorSize}-byte sectors (${disk.physicalSectorSize} physical)`}</Line>
      <Line>{`Partition table ${tableWord(disk)}${flags ? `; flags: ${flags}` : ''}`}</Line>
      <Text> </Text>
      {partitions.length === 0 ? (
        <Text>
          {whole
            ? `No partition table; the whole disk holds ${filesystemWord(whole)}${whole.label ? ` "${whole.label}"` : ''}${whole.freeBytes != null ? `, ${formatBytes(whole.freeBytes)} free` : ''}.`
            : 'No partitions.'}
        </Text>
      ) : (
        <Box flexDirection="column">
          <Text
            bold
          >{`${cell('PARTITION', 11)}${cell('SIZE', 10)}${cell('FS / TYPE', 11)}${cell('LABEL', 11)}${cell('USED', 10)}${cell('FREE', 10)}FLAGS, MOUNTS`}</Text>
          {partitions.slice(top, top + ROWS).map((p) => (
            <Line key={p.path}>{partitionRow(p)}</Line>
          ))}
          {partitions.length > ROWS ? (
            <Text dimColor>{`(${top + 1}-${Math.min(partitions.length, top + ROWS)} of ${partitions.length}; Up/Down scroll)`}</Text>
          ) : null}
        </Box>
      )}
      {notes.slice(0, 3).map((note, i) => (
        <Line key={i} color="yellow">
          {note}
        </Line>
      ))}
    </Frame>
  );
}

export function DisksScreen() {
  const { disks, goHome } = useAppServices();
  const [shown, setShown] = useState<string | null>(null);
  useScreenInput((input) => {
    if (input === 'r' && shown === null) disks.reload();
  });
  const list = disks.state.status === 'ready' ? disks.state.disks : [];
  const disk = list.find((d) => d.path === shown);
  if (disk) return <DiskDetail disk={disk} onBack={() => setShown(null)} />;
  return (
    <Frame
      title={TITLE}
      help={HELP}
      keys="Enter: details  r: read again  Esc: back"
      onBack={goHome}
      status={disks.state.status === 'ready' && disks.state.reading ? <Text dimColor>Reading partition tables and filesystems...</Text> : undefined}
    >
      {disks.state.status === 'loading' ? <Text>Looking for disks...</Text> : null}
      {disks.state.status === 'failed' ? <Text color="red" wrap="wrap">{`${disks.state.error.message} [${disks.state.error.code}]`}</Text> : null}
      {disks.state.status === 'ready' ? (
        list.length === 0 ? (
          <Text>No disks found.</Text>
        ) : (
          <SelectList
            items={list.map((d) => ({
              key: d.path,
              label: diskLine(d),
              hint: d.partitions.length > 0 ? `${d.partitions.length} partition(s)` : 'no partitions',
            }))}
            height={15}
            onSelect={(item) => setShown(item.key)}
            initialKey={shown ?? undefined}
          />
        )
      ) : null}
    </Frame>
  );
}
