import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { ListedDisk } from '../../disks/disk-table.js';
import { useAppServices } from '../app-context.js';
import type { TargetCandidate, TargetRules } from '../backend/types.js';
import { diskLine, partitionLine, type ListedPartition } from '../disk-choices.js';
import { useRefusals } from '../use-refusals.js';
import { useScreenInput } from '../use-screen-input.js';
import { SelectList } from './SelectList.js';

export interface TargetPickerProps {
  /** Whole disks, or partitions (a partition snapshot goes onto a partition). */
  kind: 'disk' | 'partition';
  rules: TargetRules;
  /** A further reason a candidate does not fit (too small, other sector size), or null. */
  fit?: (candidate: TargetCandidate) => string | null;
  onChoose: (candidate: TargetCandidate) => void;
  height?: number;
}

function candidatesOf(disks: readonly ListedDisk[], kind: 'disk' | 'partition'): TargetCandidate[] {
  if (kind === 'disk') return disks.map((disk) => ({ path: disk.path, disk, partition: null }));
  return disks.flatMap((disk) => disk.partitions.map((partition) => ({ path: partition.path, disk, partition })));
}

/**
 * The list of disks a destructive step may write. Every disk is listed; the boot medium, the disk
 * holding the repository, mounted or busy disks (and, for a clone, the source) are shown dim and
 * cannot be chosen, with the reason under the list when highlighted. The list is read again on
 * entry, so a disk mounted a minute ago is not offered.
 */
export function TargetPicker({ kind, rules, fit, onChoose, height = 12 }: TargetPickerProps) {
  const { disks } = useAppServices();
  // The list read before this step may be stale (a disk mounted or plugged in since): it is never
  // shown, not even for the one frame before the reload starts, because a key pressed on a list
  // that is then replaced would land on the wrong line or be lost.
  const [reloaded, setReloaded] = useState(false);
  useEffect(() => {
    disks.reload();
    setReloaded(true);
    // Once per visit to this step.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useScreenInput((input) => {
    if (input === 'r') disks.reload();
  });
  const list = disks.state.status === 'ready' ? disks.state.disks : [];
  const candidates = candidatesOf(list, kind);
  const refusals = useRefusals(candidates, rules, list);
  if (disks.state.status === 'failed') return <Text color="red">{`${disks.state.error.message} [${disks.state.error.code}]`}</Text>;
  if (!reloaded || disks.state.status === 'loading' || (disks.state.status === 'ready' && disks.state.reading) || refusals === null) {
    return <Text>Reading the disks and checking which ones are safe to write...</Text>;
  }
  const items = candidates.map((candidate) => {
    const refusal = refusals.get(candidate.path) ?? null;
    return {
      key: candidate.path,
      label: candidate.partition ? partitionLine(candidate.partition as ListedPartition).trimStart() : diskLine(candidate.disk),
      disabled: refusal ?? fit?.(candidate) ?? null,
    };
  });
  const choosable = items.filter((item) => !item.disabled).length;
  return (
    <Box flexDirection="column">
      <SelectList
        items={items}
        height={height}
        onSelect={(item) => {
          const chosen = candidates.find((c) => c.path === item.key);
          if (chosen) onChoose(chosen);
        }}
      />
      {choosable === 0 ? <Text color="yellow">No disk here can be written safely. Connect a target disk, then press r to look again.</Text> : null}
    </Box>
  );
}
