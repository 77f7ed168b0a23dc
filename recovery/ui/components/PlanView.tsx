import { Box, Text } from 'ink';
import { formatBytes } from '../../core/format-bytes.js';
import type { ListedDisk } from '../../disks/disk-table.js';
import { diskModel, type ListedPartition } from '../disk-choices.js';
import { clip, currentRows, rowText, sideBySide, type LayoutRow } from '../plan-layout.js';
import { Line } from './Line.js';

export interface PlanViewProps {
  disk: ListedDisk;
  partition: ListedPartition | null;
  /** What the target holds afterwards. */
  after: LayoutRow[];
  afterTitle: string;
  /** Plan sentences: how much is written, what is written last, the engine's notes. */
  lines: string[];
}

/** The target's identity, then its partitions now (destroyed) beside its partitions afterwards. */
export function PlanView({ disk, partition, after, afterTitle, lines }: PlanViewProps) {
  const target = partition ?? disk;
  const who = [diskModel(disk), disk.serial ? `serial ${disk.serial}` : null].filter(Boolean).join(', ');
  const now = currentRows(disk, partition).map(rowText);
  const rows = sideBySide(
    ['Now (ALL OF THIS WILL BE DESTROYED):', ...clip(now.length > 0 ? now : ['  (no partitions)'], 7)],
    [`${afterTitle}:`, ...clip(after.map(rowText), 7)],
  );
  return (
    <Box flexDirection="column">
      <Line bold>{`Target: ${target.path}  ${who}, ${formatBytes(target.sizeBytes)}`}</Line>
      <Text> </Text>
      {rows.map((line, i) => (
        <Text key={i} bold={i === 0}>
          {line}
        </Text>
      ))}
      <Text> </Text>
      {lines.map((line, i) => (
        <Text key={`l${i}`} wrap="wrap">
          {line}
        </Text>
      ))}
    </Box>
  );
}
