import { Box, Text } from 'ink';
import { DISK_TABLE_HEADER, diskTableRows, formatRow, type ListedDisk } from '../disks/disk-table.js';

/** The disk table, disks bright and partitions dim, in the same columns as `lifeboat disks`. */
export function DiskList({ disks }: { disks: ListedDisk[] }) {
  if (disks.length === 0) return <Text>No disks found.</Text>;
  return (
    <Box flexDirection="column">
      <Text bold>{formatRow(DISK_TABLE_HEADER)}</Text>
      {diskTableRows(disks).map((row, i) => (
        <Text key={i} dimColor={row.kind === 'partition'}>
          {formatRow(row.cells)}
        </Text>
      ))}
    </Box>
  );
}
