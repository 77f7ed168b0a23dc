import { Box, Text } from 'ink';
import { useState } from 'react';
import { isLifeboatError } from '../../core/errors.js';
import { formatBytes } from '../../core/format-bytes.js';
import { formatDuration } from '../../core/format-duration.js';
import { planRestore, type RestorePlan } from '../../pipeline/restore-plan.js';
import type { Snapshot } from '../../repository/snapshot-types.js';
import { useAppServices, type HelpText } from '../app-context.js';
import type { TargetCandidate } from '../backend/types.js';
import { Frame } from '../components/Frame.js';
import { JobScreen } from '../components/JobScreen.js';
import { PlanView } from '../components/PlanView.js';
import { RepositoryPicker } from '../components/RepositoryPicker.js';
import { SelectList } from '../components/SelectList.js';
import { TargetPicker } from '../components/TargetPicker.js';
import { TypedConfirm } from '../components/TypedConfirm.js';
import { diskModel, type ListedPartition } from '../disk-choices.js';
import type { RepositoryChoice } from '../repository-check.js';
import { snapshotHint, snapshotLine, snapshotRows } from '../snapshot-words.js';
import { useLeave } from '../use-leave.js';
import { Line } from '../components/Line.js';

const TITLE = 'Restore an image';

type Step =
  | { name: 'where' }
  | { name: 'snapshot'; where: RepositoryChoice }
  | { name: 'target'; where: RepositoryChoice; snapshot: Snapshot }
  | { name: 'plan'; where: RepositoryChoice; snapshot: Snapshot; target: TargetCandidate; plan: RestorePlan }
  | { name: 'confirm'; where: RepositoryChoice; snapshot: Snapshot; target: TargetCandidate; plan: RestorePlan; verify: boolean }
  | { name: 'run'; where: RepositoryChoice; snapshot: Snapshot; target: TargetCandidate; plan: RestorePlan; verify: boolean };

const HELP: HelpText = {
  title: 'Restore an image',
  lines: [
    'Writes a snapshot back onto a disk: the same disk, or a new one at least as big.',
    'Steps: where the image is, which snapshot, which disk, the plan, a typed',
    'confirmation, then the restore. Every chunk is checked before anything is',
    'written; the old partition table is cleared first and the new one written last,',
    'so an interrupted restore never leaves a disk that looks whole.',
    'Disks that are mounted, hold the image, or that Lifeboat started from are',
    'listed but cannot be chosen; the line under the list says why.',
  ],
};

function factsOf(candidate: TargetCandidate) {
  return { path: candidate.path, sizeBytes: (candidate.partition ?? candidate.disk).sizeBytes, logicalSectorSize: candidate.disk.logicalSectorSize };
}

/** Null when the snapshot fits the candidate; otherwise the planner's own sentence (too small...). */
function fitProblem(snapshot: Snapshot, candidate: TargetCandidate): string | null {
  try {
    planRestore(snapshot, factsOf(candidate));
    return null;
  } catch (error) {
    return isLifeboatError(error) ? error.message : String(error);
  }
}

function planLines(snapshot: Snapshot, plan: RestorePlan): string[] {
  const scheme = snapshot.description.table.scheme.toUpperCase();
  return [
    `Writes ${formatBytes(plan.usedBytes)} of used data, each chunk checked against its hash first.`,
    plan.mode === 'disk'
      ? `The old partition table is cleared first; the ${scheme} table is written last.`
      : 'Only this partition is written; the rest of the disk is not touched.',
    ...plan.notes,
  ];
}

export function RestoreWizard() {
  const { backend, disks, live, exit, goHome } = useAppServices();
  const [step, setStep] = useState<Step>({ name: 'where' });
  const { leaving, problem, leave } = useLeave();

  if (step.name === 'where') {
    return (
      <RepositoryPicker
        purpose="read"
        title={TITLE}
        step="Step 1 of 6: Where the image is"
        onBack={goHome}
        onChosen={(where) => setStep({ name: 'snapshot', where })}
      />
    );
  }
  const { where } = step;
  const toWhere = () => {
    if (where.mounted) void backend.unmount(where.mounted).then(disks.reload, () => undefined);
    setStep({ name: 'where' });
  };

  if (step.name === 'snapshot') {
    const snapshots = [...(where.existing?.snapshots ?? [])].reverse();
    const damaged = where.existing?.damaged.length ?? 0;
    return (
      <Frame
        title={TITLE}
        step="Step 2 of 6: Which snapshot"
        help={HELP}
        keys="Enter: choose  Esc: back"
        onBack={toWhere}
        status={damaged > 0 ? <Text color="yellow">{`${damaged} damaged snapshot file(s) are not listed; Verify an image tells more.`}</Text> : undefined}
      >
        <Line>{`Snapshots in ${where.repoDir}, newest first:`}</Line>
        <Text> </Text>
        <SelectList
          items={snapshots.map((s) => ({ key: s.id, label: snapshotLine(s), hint: snapshotHint(s) }))}
          height={12}
          onSelect={(item) => {
            const snapshot = snapshots.find((s) => s.id === item.key);
            if (snapshot) setStep({ name: 'target', where, snapshot });
          }}
        />
      </Frame>
    );
  }

  const { snapshot } = step;
  const partitionScope = snapshot.description.scope === 'partition';
  if (step.name === 'target') {
    return (
      <Frame
        title={TITLE}
        step="Step 3 of 6: Which disk to overwrite"
        help={HELP}
        keys="Enter: choose  r: look again  Esc: back"
        onBack={() => setStep({ name: 'snapshot', where })}
      >
        <Line>{`Restore ${snapshotLine(snapshot)}`}</Line>
        <Text>{partitionScope ? 'onto which partition? (it is overwritten completely)' : 'onto which disk? (it is overwritten completely)'}</Text>
        <Text> </Text>
        <TargetPicker
          kind={partitionScope ? 'partition' : 'disk'}
          rules={{ repoDir: where.repoDir }}
          fit={(candidate) => fitProblem(snapshot, candidate)}
          height={11}
          onChoose={(target) => {
            try {
              setStep({ name: 'plan', where, snapshot, target, plan: planRestore(snapshot, factsOf(target)) });
            } catch {
              // fit() already shows why; a target that does not fit is never choosable.
            }
          }}
        />
      </Frame>
    );
  }

  const { target, plan } = step;
  const targetName = target.partition?.name ?? target.disk.name;
  if (step.name === 'plan') {
    return (
      <Frame title={TITLE} step="Step 4 of 6: The plan" help={HELP} keys="Enter: choose  Esc: back" onBack={() => setStep({ name: 'target', where, snapshot })}>
        <PlanView
          disk={target.disk}
          partition={target.partition as ListedPartition | null}
          after={snapshotRows(snapshot)}
          afterTitle={`After (${partitionScope ? 'partition' : snapshot.description.table.scheme.toUpperCase()} from the snapshot)`}
          lines={planLines(snapshot, plan)}
        />
        <Text> </Text>
        <SelectList
          items={[
            { key: 'verify', label: 'Continue: restore, then read everything back to check it' },
            { key: 'fast', label: 'Continue without the read-back check (faster)' },
            { key: 'back', label: 'Back: choose another disk' },
          ]}
          height={3}
          onSelect={(item) =>
            item.key === 'back'
              ? setStep({ name: 'target', where, snapshot })
              : setStep({ name: 'confirm', where, snapshot, target, plan, verify: item.key === 'verify' })
          }
        />
      </Frame>
    );
  }

  const { verify } = step;
  if (step.name === 'confirm') {
    const who = [diskModel(target.disk), target.disk.serial ? `serial ${target.disk.serial}` : null].filter(Boolean).join(', ');
    return (
      <Frame
        title={TITLE}
        step="Step 5 of 6: Confirm"
        help={HELP}
        keys="Enter: confirm  Esc: back"
        onBack={() => setStep({ name: 'plan', where, snapshot, target, plan })}
      >
        <TypedConfirm
          name={targetName}
          devicePath={target.path}
          what={`This overwrites ${target.path} (${who}, ${formatBytes((target.partition ?? target.disk).sizeBytes)}). Everything on it now is lost.`}
          onConfirmed={() => setStep({ name: 'run', where, snapshot, target, plan, verify })}
        />
      </Frame>
    );
  }

  return (
    <JobScreen
      title={TITLE}
      help={HELP}
      planned={verify ? ['precheck', 'data', 'readback'] : ['precheck', 'data']}
      stopQuestion="Stop the restore?"
      stopConsequence={`Lifeboat stops at the next chunk. If writing has begun, ${target.path} is left without a partition table (so it never looks whole); restore again to use it.`}
      start={(io) => backend.restore({ repoDir: where.repoDir, snapshotId: snapshot.id, targetPath: target.path, verify }, io)}
      renderResult={(outcome) => (
        <Box flexDirection="column">
          <Text bold color="green">{`Restored snapshot ${snapshot.id} onto ${target.path}.`}</Text>
          <Text>{`Written      ${formatBytes(outcome.writtenBytes)} in ${formatDuration(outcome.durationSeconds)}`}</Text>
          {outcome.verifiedChunks === null ? (
            <Text>{'Check        not done'}</Text>
          ) : (
            <Text color="green">{`Check        read back ${outcome.verifiedChunks} chunks and the partition table: identical`}</Text>
          )}
          <Text> </Text>
          <Text wrap="wrap">
            {live ? 'Remove the Lifeboat medium, then reboot to start the restored system.' : 'Restart the computer from the restored disk to use it.'}
          </Text>
          {leaving ? <Text>Finishing...</Text> : null}
          {problem ? (
            <Text color="red" wrap="wrap">
              {problem}
            </Text>
          ) : null}
        </Box>
      )}
      resultActions={(end) => [
        ...(end.error ? [{ key: 'again', label: 'Back to the plan, to try again' }] : []),
        ...(live && !end.error ? [{ key: 'reboot', label: 'Reboot now' }] : []),
        { key: 'home', label: where.mounted ? `Unmount ${where.mounted.device} and go back to the main menu` : 'Back to the main menu' },
      ]}
      onAction={(key) => {
        if (key === 'again') setStep({ name: 'plan', where, snapshot, target, plan });
        else if (key === 'reboot') exit({ next: 'reboot' });
        else leave([where.mounted]);
      }}
    />
  );
}
