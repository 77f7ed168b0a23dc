import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { toLifeboatError, type LifeboatError } from '../../core/errors.js';
import { formatBytes } from '../../core/format-bytes.js';
import { formatDuration } from '../../core/format-duration.js';
import type { ListedDisk } from '../../disks/disk-table.js';
import { useAppServices, type HelpText } from '../app-context.js';
import type { ClonePreview, TargetCandidate } from '../backend/types.js';
import { ErrorView } from '../components/ErrorView.js';
import { Frame } from '../components/Frame.js';
import { JobScreen } from '../components/JobScreen.js';
import { PlanView } from '../components/PlanView.js';
import { SelectList } from '../components/SelectList.js';
import { TargetPicker } from '../components/TargetPicker.js';
import { TypedConfirm } from '../components/TypedConfirm.js';
import { diskLine, diskModel, sourceProblem } from '../disk-choices.js';
import { useLeave } from '../use-leave.js';
import { Line } from '../components/Line.js';

const TITLE = 'Clone a disk';

type Step =
  | { name: 'source' }
  | { name: 'target'; source: ListedDisk }
  | { name: 'plan'; source: ListedDisk; target: TargetCandidate }
  | { name: 'confirm'; source: ListedDisk; target: TargetCandidate; preview: ClonePreview; verify: boolean }
  | { name: 'run'; source: ListedDisk; target: TargetCandidate; preview: ClonePreview; verify: boolean };

const HELP: HelpText = {
  title: 'Clone a disk',
  lines: [
    'Copies one disk onto another, directly, without an image: the used blocks of',
    'every partition, the boot code and the partition table (written last).',
    'The target must be at least as big as the source and have the same sector size.',
    'The source, the disk Lifeboat started from and mounted disks cannot be targets.',
  ],
};

/** The end of the source's last partition: a target smaller than that can never hold it. */
function sourceEnd(source: ListedDisk): number {
  return Math.max(0, ...source.partitions.map((p) => p.startBytes + p.sizeBytes));
}

function ClonePlanStep({
  source,
  target,
  onBack,
  onGo,
}: {
  source: ListedDisk;
  target: TargetCandidate;
  onBack: () => void;
  onGo: (preview: ClonePreview, verify: boolean) => void;
}) {
  const { backend, debug } = useAppServices();
  const [preview, setPreview] = useState<ClonePreview | LifeboatError | null>(null);
  useEffect(() => {
    let live = true;
    backend.previewClone(source.path, target.path).then(
      (p) => live && setPreview(p),
      (error: unknown) => live && setPreview(toLifeboatError(error)),
    );
    return () => {
      live = false;
    };
  }, [backend, source.path, target.path]);
  return (
    <Frame title={TITLE} step="Step 3 of 5: The plan" help={HELP} keys="Enter: choose  Esc: back" onBack={onBack}>
      {preview === null ? <Text>{`Reading ${source.path}: partition table and used blocks...`}</Text> : null}
      {preview instanceof Error ? <ErrorView error={preview} debug={debug} heading="This clone cannot be done." /> : null}
      {preview !== null && !(preview instanceof Error) ? (
        <Box flexDirection="column">
          <PlanView
            disk={target.disk}
            partition={null}
            after={preview.extents
              .filter((e) => e.number !== null)
              .map((e) => ({
                number: e.number,
                sizeBytes: e.sizeBytes,
                what: e.fsType ? `${e.fsType}${e.fsLabel ? ` "${e.fsLabel}"` : ''}` : 'no filesystem',
              }))}
            afterTitle={`After (a copy of ${source.name})`}
            lines={[
              `Copies ${formatBytes(preview.usedBytes)} of used data from ${source.path}; the partition table is written last.`,
              ...preview.warnings.slice(0, 2),
            ]}
          />
          <Text> </Text>
          <SelectList
            items={[
              { key: 'verify', label: 'Continue: clone, then read everything back to check it' },
              { key: 'fast', label: 'Continue without the read-back check (faster)' },
              { key: 'back', label: 'Back: choose another disk' },
            ]}
            height={3}
            onSelect={(item) => (item.key === 'back' ? onBack() : onGo(preview, item.key === 'verify'))}
          />
        </Box>
      ) : null}
    </Frame>
  );
}

export function CloneWizard() {
  const { backend, disks, goHome } = useAppServices();
  const [step, setStep] = useState<Step>({ name: 'source' });
  const { leave } = useLeave();
  const list = disks.state.status === 'ready' ? disks.state.disks : [];

  if (step.name === 'source') {
    return (
      <Frame title={TITLE} step="Step 1 of 5: The disk to copy" help={HELP} keys="Enter: choose  Esc: back" onBack={goHome}>
        <Text>Choose the disk to copy from (it is only read):</Text>
        <Text> </Text>
        {disks.state.status === 'failed' ? <Text color="red" wrap="wrap">{`${disks.state.error.message} [${disks.state.error.code}]`}</Text> : null}
        {disks.state.status === 'loading' ? <Text>Reading the disks...</Text> : null}
        <SelectList
          items={list.map((disk) => ({ key: disk.path, label: diskLine(disk), disabled: sourceProblem(disk, null) }))}
          height={13}
          onSelect={(item) => {
            const source = list.find((d) => d.path === item.key);
            if (source) setStep({ name: 'target', source });
          }}
        />
      </Frame>
    );
  }
  const { source } = step;
  if (step.name === 'target') {
    return (
      <Frame
        title={TITLE}
        step="Step 2 of 5: The disk to overwrite"
        help={HELP}
        keys="Enter: choose  r: look again  Esc: back"
        onBack={() => setStep({ name: 'source' })}
      >
        <Line>{`Copy ${diskLine(source)}`}</Line>
        <Text>onto which disk? (it is overwritten completely)</Text>
        <Text> </Text>
        <TargetPicker
          kind="disk"
          rules={{ sourcePath: source.path }}
          fit={(c) =>
            c.disk.logicalSectorSize !== source.logicalSectorSize
              ? `${c.path} has ${c.disk.logicalSectorSize}-byte sectors and the source ${source.logicalSectorSize}-byte sectors; a clone needs the same.`
              : c.disk.sizeBytes < sourceEnd(source)
                ? `${c.path} is too small: the source's partitions need at least ${formatBytes(sourceEnd(source))}.`
                : null
          }
          height={11}
          onChoose={(target) => setStep({ name: 'plan', source, target })}
        />
      </Frame>
    );
  }
  const { target } = step;
  if (step.name === 'plan') {
    return (
      <ClonePlanStep
        source={source}
        target={target}
        onBack={() => setStep({ name: 'target', source })}
        onGo={(preview, verify) => setStep({ name: 'confirm', source, target, preview, verify })}
      />
    );
  }
  const { preview, verify } = step;
  if (step.name === 'confirm') {
    const who = [diskModel(target.disk), target.disk.serial ? `serial ${target.disk.serial}` : null].filter(Boolean).join(', ');
    return (
      <Frame title={TITLE} step="Step 4 of 5: Confirm" help={HELP} keys="Enter: confirm  Esc: back" onBack={() => setStep({ name: 'plan', source, target })}>
        <TypedConfirm
          name={target.disk.name}
          devicePath={target.path}
          what={`This overwrites ${target.path} (${who}, ${formatBytes(target.disk.sizeBytes)}) with a copy of ${source.path}. Everything on it now is lost.`}
          onConfirmed={() => setStep({ name: 'run', source, target, preview, verify })}
        />
      </Frame>
    );
  }
  return (
    <JobScreen
      title={TITLE}
      help={HELP}
      planned={verify ? ['data', 'readback'] : ['data']}
      stopQuestion="Stop the clone?"
      stopConsequence={`Lifeboat stops at the next chunk. ${target.path} is then left without a partition table (so it never looks whole); clone again to use it. The source is not changed.`}
      start={(io) => backend.clone({ sourcePath: source.path, targetPath: target.path, verify }, io)}
      renderResult={(outcome) => (
        <Box flexDirection="column">
          <Text bold color="green">{`Cloned ${source.path} onto ${target.path}.`}</Text>
          <Text>{`Copied       ${formatBytes(outcome.copiedBytes)} in ${formatDuration(outcome.durationSeconds)}`}</Text>
          {outcome.verifiedChunks === null ? (
            <Text>{'Check        not done'}</Text>
          ) : (
            <Text color="green">{`Check        read back ${outcome.verifiedChunks} chunks and the partition table: identical`}</Text>
          )}
        </Box>
      )}
      resultActions={(end) => [
        ...(end.error ? [{ key: 'again', label: 'Back to the plan, to try again' }] : []),
        { key: 'home', label: 'Back to the main menu' },
      ]}
      onAction={(key) => (key === 'again' ? setStep({ name: 'plan', source, target }) : leave([]))}
    />
  );
}
