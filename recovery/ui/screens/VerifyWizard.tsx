import { Box, Text } from 'ink';
import { useState } from 'react';
import { formatDuration } from '../../core/format-duration.js';
import type { Snapshot } from '../../repository/snapshot-types.js';
import { useAppServices, type HelpText } from '../app-context.js';
import type { VerifyJob, VerifyOutcome } from '../backend/types.js';
import { Frame } from '../components/Frame.js';
import { JobScreen } from '../components/JobScreen.js';
import { RepositoryPicker } from '../components/RepositoryPicker.js';
import { SelectList } from '../components/SelectList.js';
import { diskLine, disksAndPartitions, partitionLine, sourceProblem } from '../disk-choices.js';
import type { RepositoryChoice } from '../repository-check.js';
import { snapshotHint, snapshotLine } from '../snapshot-words.js';
import { useLeave } from '../use-leave.js';
import { Line } from '../components/Line.js';

const TITLE = 'Verify an image';

type What = 'all' | 'one' | 'against';
type Step =
  | { name: 'where' }
  | { name: 'what'; where: RepositoryChoice }
  | { name: 'snapshot'; where: RepositoryChoice; what: What }
  | { name: 'disk'; where: RepositoryChoice; snapshot: Snapshot }
  | { name: 'run'; where: RepositoryChoice; job: VerifyJob };

const HELP: HelpText = {
  title: 'Verify an image',
  lines: [
    'Checks an image without writing anything.',
    '"Check every snapshot" reads each stored chunk once, decompresses it and',
    'compares its SHA-256 with its name: damaged or missing chunks are listed.',
    '"Compare a disk" reads a disk (after a restore, say) and compares its partition',
    'table byte for byte and every used chunk by hash with a snapshot.',
  ],
};

function VerifyResult({ outcome, job }: { outcome: VerifyOutcome; job: VerifyJob }) {
  const time = formatDuration(outcome.durationSeconds);
  if (outcome.problemCount === 0) {
    return (
      <Text bold color="green" wrap="wrap">
        {outcome.kind === 'against'
          ? `${job.againstPath ?? ''} matches the snapshot: the partition table and ${outcome.checkedChunks} chunks compared in ${time}.`
          : `All ${outcome.checkedChunks} chunks of ${outcome.snapshotCount} snapshot(s) are intact (checked in ${time}).`}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      <Text bold color="red" wrap="wrap">
        {outcome.kind === 'against'
          ? `${job.againstPath ?? ''} differs from the snapshot in ${outcome.problemCount} place(s):`
          : `${outcome.problemCount} problem(s) in ${job.repoDir}:`}
      </Text>
      {outcome.problems.slice(0, 4).map((problem, i) => (
        <Line key={i}>{`- ${problem}`}</Line>
      ))}
      {outcome.problems.length > 4 ? (
        <Text dimColor>{`... and ${outcome.problemCount - 4} more (lifeboat verify --repo ${job.repoDir} lists them all)`}</Text>
      ) : null}
    </Box>
  );
}

export function VerifyWizard() {
  const { backend, disks, goHome } = useAppServices();
  const [step, setStep] = useState<Step>({ name: 'where' });
  const { leave } = useLeave();

  if (step.name === 'where') {
    return (
      <RepositoryPicker
        purpose="read"
        title={TITLE}
        step="Step 1 of 3: Where the image is"
        onBack={goHome}
        onChosen={(where) => setStep({ name: 'what', where })}
      />
    );
  }
  const { where } = step;
  const snapshots = [...(where.existing?.snapshots ?? [])].reverse();

  if (step.name === 'what') {
    const toWhere = () => {
      if (where.mounted) void backend.unmount(where.mounted).then(disks.reload, () => undefined);
      setStep({ name: 'where' });
    };
    return (
      <Frame title={TITLE} step="Step 2 of 3: What to check" help={HELP} keys="Enter: choose  Esc: back" onBack={toWhere}>
        <Line>{`Repository ${where.repoDir} (${snapshots.length} snapshots)`}</Line>
        <Text> </Text>
        <SelectList
          items={[
            { key: 'all', label: `Check every snapshot (${snapshots.length})`, hint: 'Reads and proves every chunk the repository uses, each once.' },
            { key: 'one', label: 'Check one snapshot...', hint: 'Reads and proves the chunks of one snapshot.' },
            { key: 'against', label: 'Compare a disk with a snapshot...', hint: 'Reads a disk (after a restore, say) and compares it with a snapshot.' },
          ]}
          height={3}
          onSelect={(item) =>
            item.key === 'all'
              ? setStep({ name: 'run', where, job: { repoDir: where.repoDir, snapshotId: null } })
              : setStep({ name: 'snapshot', where, what: item.key as What })
          }
        />
      </Frame>
    );
  }

  if (step.name === 'snapshot') {
    return (
      <Frame title={TITLE} step="Step 2 of 3: Which snapshot" help={HELP} keys="Enter: choose  Esc: back" onBack={() => setStep({ name: 'what', where })}>
        <Text>Snapshots, newest first:</Text>
        <Text> </Text>
        <SelectList
          items={snapshots.map((s) => ({ key: s.id, label: snapshotLine(s), hint: snapshotHint(s) }))}
          height={12}
          onSelect={(item) => {
            const snapshot = snapshots.find((s) => s.id === item.key);
            if (!snapshot) return;
            if (step.what === 'against') setStep({ name: 'disk', where, snapshot });
            else setStep({ name: 'run', where, job: { repoDir: where.repoDir, snapshotId: snapshot.id } });
          }}
        />
      </Frame>
    );
  }

  if (step.name === 'disk') {
    const partitionScope = step.snapshot.description.scope === 'partition';
    const rows = disksAndPartitions(disks.state.status === 'ready' ? disks.state.disks : []).filter((r) => (r.partition !== null) === partitionScope);
    return (
      <Frame
        title={TITLE}
        step="Step 3 of 3: Which disk"
        help={HELP}
        keys="Enter: choose  Esc: back"
        onBack={() => setStep({ name: 'snapshot', where, what: 'against' })}
      >
        <Line>{`Compare with ${snapshotLine(step.snapshot)}`}</Line>
        <Text>{partitionScope ? 'Which partition? (it is only read)' : 'Which disk? (it is only read)'}</Text>
        <Text> </Text>
        <SelectList
          items={rows.map(({ disk, partition }) => ({
            key: partition?.path ?? disk.path,
            label: partition ? partitionLine(partition).trim() : diskLine(disk),
            disabled: sourceProblem(disk, partition),
          }))}
          height={11}
          onSelect={(item) => setStep({ name: 'run', where, job: { repoDir: where.repoDir, snapshotId: step.snapshot.id, againstPath: item.key } })}
        />
      </Frame>
    );
  }

  const { job } = step;
  return (
    <JobScreen
      title={TITLE}
      help={HELP}
      planned={['readback']}
      stopQuestion="Stop the check?"
      stopConsequence="Nothing is changed by a check, so stopping is always safe; what was not checked yet is simply not known."
      start={(io) => backend.verify(job, io)}
      renderResult={(outcome) => <VerifyResult outcome={outcome} job={job} />}
      resultActions={() => [{ key: 'home', label: where.mounted ? `Unmount ${where.mounted.device} and go back to the main menu` : 'Back to the main menu' }]}
      onAction={() => leave([where.mounted])}
    />
  );
}
