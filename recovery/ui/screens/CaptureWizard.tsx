import { Box, Text } from 'ink';
import { useState } from 'react';
import { formatBytes } from '../../core/format-bytes.js';
import { formatDuration } from '../../core/format-duration.js';
import { isMounted } from '../../disks/disk-flags.js';
import type { ListedDisk } from '../../disks/disk-table.js';
import type { HelperDisk } from '../../helper/protocol.js';
import { useAppServices, type HelpText } from '../app-context.js';
import type { CaptureOutcome } from '../backend/types.js';
import { CaptureOptionsForm, type CaptureOptions } from '../components/CaptureOptionsForm.js';
import { Frame } from '../components/Frame.js';
import { JobScreen } from '../components/JobScreen.js';
import { RepositoryPicker } from '../components/RepositoryPicker.js';
import { SelectList } from '../components/SelectList.js';
import { diskLine, disksAndPartitions, partitionLine, sourceProblem, type ListedPartition } from '../disk-choices.js';
import type { RepositoryChoice } from '../repository-check.js';
import { useLeave } from '../use-leave.js';
import { Line } from '../components/Line.js';

const TITLE = 'Capture a disk';

interface Source {
  disk: ListedDisk;
  partition: ListedPartition | null;
}

type Step =
  | { name: 'source' }
  | { name: 'where'; source: Source }
  | { name: 'options'; source: Source; where: RepositoryChoice }
  | { name: 'summary'; source: Source; where: RepositoryChoice; options: CaptureOptions }
  | { name: 'run'; source: Source; where: RepositoryChoice; options: CaptureOptions };

const HELP: HelpText = {
  title: 'Capture a disk',
  lines: [
    'Saves a disk (or one partition) into an image: a repository folder that can',
    'hold many snapshots. Only used blocks are read; chunks are compressed and',
    'stored once, so a second capture of the same disk stores only what changed.',
    'Steps: what to capture, where the image goes, options, summary, capture.',
    'A mounted disk can be captured, but files changing meanwhile may be',
    'inconsistent in the image: unmount it first when you can.',
  ],
};

/** What a capture would read, from the filesystems' own used-space counts (null when unknown). */
function usedEstimate(source: Source): number | null {
  const parts = source.partition ? [source.partition] : (source.disk.partitions as ListedPartition[]);
  if (parts.length === 0) return null;
  let sum = 0;
  for (const part of parts) {
    const used = part.filesystem?.usedBytes;
    sum += used ?? part.sizeBytes;
  }
  return sum;
}

function sourceWords(source: Source): string {
  return source.partition ? `partition ${source.partition.path} of ${source.disk.path}` : `the whole disk ${source.disk.path}`;
}

export function CaptureResult({ outcome, repoDir }: { outcome: CaptureOutcome; repoDir: string }) {
  const ratio = outcome.usedBytes > 0 ? outcome.storedBytes / outcome.usedBytes : 0;
  const check = outcome.verification;
  return (
    <Box flexDirection="column">
      <Text bold color="green">{`Snapshot ${outcome.snapshotId} saved${outcome.repositoryCreated ? ' in a new repository' : ''}.`}</Text>
      <Line>{`Repository   ${repoDir}`}</Line>
      <Text>{`Used data    ${formatBytes(outcome.usedBytes)} read`}</Text>
      <Text>{`Image size   ${formatBytes(outcome.storedBytes)} added (${(ratio * 100).toFixed(1)}% of the used data)`}</Text>
      <Text>{`Chunks       ${outcome.newChunks} new, ${outcome.reusedChunks} already stored`}</Text>
      <Text>{`Time         ${formatDuration(outcome.durationSeconds)}`}</Text>
      {check === null ? (
        <Text>{'Check        not done (choose Verify an image to check it later)'}</Text>
      ) : check.problemCount === 0 ? (
        <Text color="green">{`Check        all ${check.checkedChunks} chunks read back and intact`}</Text>
      ) : (
        <Text color="red" wrap="wrap">{`Check        ${check.problemCount} problem(s): ${check.problems[0] ?? ''}`}</Text>
      )}
    </Box>
  );
}

export function CaptureWizard() {
  const { backend, disks, goHome } = useAppServices();
  const [step, setStep] = useState<Step>({ name: 'source' });
  const { leaving, problem, leave } = useLeave();
  const list = disks.state.status === 'ready' ? disks.state.disks : [];

  if (step.name === 'source') {
    const rows = disksAndPartitions(list);
    const items = rows.map(({ disk, partition }) => ({
      key: partition?.path ?? disk.path,
      label: partition ? partitionLine(partition) : diskLine(disk),
      disabled: sourceProblem(disk, partition),
      hint: (partition ? partition.mountpoints.length > 0 : isMounted(disk as HelperDisk))
        ? 'Mounted: files that change during the capture may be inconsistent in the image.'
        : partition
          ? 'Captures this partition only.'
          : 'Captures the whole disk: partition table, boot code and every partition.',
    }));
    return (
      <Frame title={TITLE} step="Step 1 of 5: What to capture" help={HELP} keys="Enter: choose  Esc: back" onBack={goHome}>
        <Text>Choose the disk, or one partition, to save into an image:</Text>
        <Text> </Text>
        {disks.state.status === 'ready' ? (
          <SelectList
            items={items}
            height={13}
            onSelect={(item) => {
              const row = rows.find(({ disk, partition }) => (partition?.path ?? disk.path) === item.key);
              if (row) setStep({ name: 'where', source: row });
            }}
          />
        ) : disks.state.status === 'failed' ? (
          <Text color="red" wrap="wrap">{`${disks.state.error.message} [${disks.state.error.code}]`}</Text>
        ) : (
          <Text>Reading the disks...</Text>
        )}
      </Frame>
    );
  }

  if (step.name === 'where') {
    return (
      <RepositoryPicker
        purpose="capture"
        sourceDiskPath={step.source.disk.path}
        title={TITLE}
        step="Step 2 of 5: Where the image goes"
        onBack={() => setStep({ name: 'source' })}
        onChosen={(where) => setStep({ name: 'options', source: step.source, where })}
      />
    );
  }

  const back = (to: Step) => () => {
    if (to.name === 'where' && 'where' in step && step.where.mounted) void backend.unmount(step.where.mounted).then(disks.reload, () => undefined);
    setStep(to);
  };

  if (step.name === 'options') {
    return (
      <Frame
        title={TITLE}
        step="Step 3 of 5: Options"
        help={HELP}
        keys="Up/Down: move  Left/Right/Space: change  Enter: continue  Esc: back"
        onBack={back({ name: 'where', source: step.source })}
      >
        <CaptureOptionsForm
          initial={{ level: 3, note: '', verifyAfter: true }}
          onDone={(options) => setStep({ name: 'summary', source: step.source, where: step.where, options })}
        />
      </Frame>
    );
  }

  const { source, where, options } = step;
  if (step.name === 'summary') {
    const estimate = usedEstimate(source);
    const tight = estimate !== null && where.freeBytes !== null && estimate > where.freeBytes;
    const existing = where.existing;
    return (
      <Frame title={TITLE} step="Step 4 of 5: Summary" help={HELP} keys="Enter: choose  Esc: back" onBack={() => setStep({ name: 'options', source, where })}>
        <Line>{`Capture      ${sourceWords(source)}`}</Line>
        <Line>{`             ${source.partition ? partitionLine(source.partition).trim() : diskLine(source.disk)}`}</Line>
        <Line>{`Into         ${where.repoDir}`}</Line>
        <Line>{`             ${existing ? `existing repository with ${existing.snapshots.length} snapshot(s): a new snapshot is added` : 'a new repository'}${where.freeBytes !== null ? `, ${formatBytes(where.freeBytes)} free` : ''}`}</Line>
        <Text>{`Used data    ${estimate === null ? 'worked out when the capture starts' : `about ${formatBytes(estimate)} to read`}`}</Text>
        <Line>{`Options      zstd level ${options.level}, ${options.verifyAfter ? 'checked afterwards' : 'not checked afterwards'}${options.note ? `, note "${options.note}"` : ''}`}</Line>
        {tight ? (
          <Text color="yellow" wrap="wrap">
            The used data is larger than the free space; it may still fit once compressed.
          </Text>
        ) : null}
        <Text> </Text>
        <SelectList
          items={[
            { key: 'start', label: 'Start the capture' },
            { key: 'back', label: 'Back to the options' },
          ]}
          height={3}
          onSelect={(item) => (item.key === 'start' ? setStep({ name: 'run', source, where, options }) : setStep({ name: 'options', source, where }))}
        />
      </Frame>
    );
  }

  return (
    <JobScreen
      title={TITLE}
      help={HELP}
      planned={options.verifyAfter ? ['data', 'readback'] : ['data']}
      stopQuestion="Stop the capture?"
      stopConsequence="No snapshot is written; what was stored so far is kept and reused by the next capture. The disk being captured is not changed."
      start={(io) =>
        backend.capture(
          {
            sourcePath: source.disk.path,
            ...(source.partition ? { partitionNumber: source.partition.number } : {}),
            repoDir: where.repoDir,
            level: options.level,
            note: options.note.trim() || null,
            verifyAfter: options.verifyAfter,
          },
          io,
        )
      }
      renderResult={(outcome) => (
        <Box flexDirection="column">
          <CaptureResult outcome={outcome} repoDir={where.repoDir} />
          {leaving ? <Text>{where.mounted ? `Unmounting ${where.mounted.device}...` : 'Reading the disks...'}</Text> : null}
          {problem ? (
            <Text color="red" wrap="wrap">
              {problem}
            </Text>
          ) : null}
        </Box>
      )}
      resultActions={(end) => [
        ...(end.error ? [{ key: 'again', label: 'Back to the summary, to try again' }] : []),
        {
          key: 'home',
          label: where.mounted ? `Unmount ${where.mounted.device} and go back to the main menu` : 'Back to the main menu',
          ...(problem ? { hint: problem } : {}),
        },
      ]}
      onAction={(key) => (key === 'again' ? setStep({ name: 'summary', source, where, options }) : leave([where.mounted]))}
    />
  );
}
