import { Box, Text } from 'ink';
import path from 'node:path';
import { useEffect, useState } from 'react';
import { formatBytes } from '../../core/format-bytes.js';
import { isLifeboatError } from '../../core/errors.js';
import type { ListedDisk } from '../../disks/disk-table.js';
import { canHoldImages } from '../../disks/mount-filesystem.js';
import { useAppServices, type HelpText } from '../app-context.js';
import { completePath } from '../backend/complete-path.js';
import type { FoundRepository, MountedFilesystem } from '../backend/types.js';
import { filesystemWord, type ListedPartition } from '../disk-choices.js';
import { checkFolder, type RepositoryChoice } from '../repository-check.js';
import { Frame } from './Frame.js';
import { SelectList, type ListItem } from './SelectList.js';
import { TextField } from './TextField.js';

export interface RepositoryPickerProps {
  /** capture: where a new image goes; read: where an image to restore or check is. */
  purpose: 'capture' | 'read';
  sourceDiskPath?: string;
  title: string;
  step: string;
  onChosen: (choice: RepositoryChoice) => void;
  onBack: () => void;
}

type Sub =
  | { kind: 'where' }
  | { kind: 'busy'; words: string }
  | { kind: 'found'; mounted: MountedFilesystem | null; repos: FoundRepository[]; base: string }
  | { kind: 'folder'; mounted: MountedFilesystem | null; text: string };

interface Place {
  disk: ListedDisk;
  partition: ListedPartition;
}

/**
 * Partitions, plus whole-disk filesystems (a USB stick formatted without a partition table, a
 * virtual disk holding the root filesystem), which stand in as their own single partition.
 */
function placesOf(disks: readonly ListedDisk[]): Place[] {
  return disks.flatMap((disk) => {
    if (disk.partitions.length > 0) return disk.partitions.map((partition: ListedPartition) => ({ disk, partition }));
    const filesystem = 'filesystem' in disk ? disk.filesystem : null;
    if (!filesystem && disk.mountpoints.length === 0) return [];
    const whole: ListedPartition = {
      name: disk.name,
      path: disk.path,
      major: disk.major,
      minor: disk.minor,
      number: 0,
      startBytes: 0,
      sizeBytes: disk.sizeBytes,
      type: null,
      uuid: null,
      label: null,
      readOnly: disk.readOnly,
      mountpoints: disk.mountpoints,
      holders: disk.holders,
      filesystem,
    };
    return [{ disk, partition: whole }];
  });
}

function describe(partition: ListedPartition): string {
  const fs = partition.filesystem;
  const words = [
    partition.name,
    filesystemWord(fs),
    fs?.label ? `"${fs.label}"` : '',
    fs?.freeBytes != null ? `${formatBytes(fs.freeBytes)} free` : formatBytes(partition.sizeBytes),
  ];
  return words.filter(Boolean).join(', ');
}

const HELP_WHERE: HelpText = {
  title: 'Where the image is',
  lines: [
    'A Lifeboat image is a folder (a repository) that can hold many snapshots.',
    'Repositories found on mounted filesystems are listed first.',
    '"Folder on ..." uses a filesystem that is already mounted.',
    '"Mount ..." mounts a partition of another disk or a USB stick read-write',
    'for you; Lifeboat unmounts it when you leave this task.',
    '"Type a folder path" lets you type any folder (Tab completes names).',
  ],
};

/** The "where is the repository" steps shared by capture, restore and verify. */
export function RepositoryPicker({ purpose, sourceDiskPath, title, step, onChosen, onBack }: RepositoryPickerProps) {
  const { backend, disks } = useAppServices();
  const [sub, setSub] = useState<Sub>({ kind: 'where' });
  const [problem, setProblem] = useState<string | null>(null);
  const [found, setFound] = useState<FoundRepository[] | null>(null);
  const list = disks.state.status === 'ready' ? disks.state.disks : [];
  const places = placesOf(list).filter(({ disk }) => purpose === 'read' || disk.path !== sourceDiskPath);
  const mountpoints = [...new Set(places.flatMap(({ partition }) => partition.mountpoints).filter((m) => m.startsWith('/')))];

  useEffect(() => {
    if (sub.kind !== 'where') return;
    let live = true;
    setFound(null);
    void backend.findRepositories(mountpoints).then(
      (repos) => live && setFound(repos),
      () => live && setFound([]),
    );
    return () => {
      live = false;
    };
    // Look again whenever the list of mounted filesystems changes or the person comes back here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sub.kind, mountpoints.join('\n')]);

  const release = (mounted: MountedFilesystem | null) => {
    if (!mounted) return;
    void backend.unmount(mounted).then(disks.reload, (error: unknown) => setProblem(isLifeboatError(error) ? error.message : String(error)));
  };

  const use = async (dir: string, mounted: MountedFilesystem | null) => {
    setProblem(null);
    setSub({ kind: 'busy', words: `Looking at ${dir}...` });
    const verdict = await checkFolder(dir, { purpose, backend, disks: list, mounted, ...(sourceDiskPath !== undefined ? { sourceDiskPath } : {}) });
    if ('choice' in verdict) onChosen(verdict.choice);
    else if ('found' in verdict) setSub({ kind: 'found', mounted, repos: verdict.found, base: dir });
    else {
      setProblem(verdict.problem);
      setSub({ kind: 'folder', mounted, text: dir });
    }
  };

  const mount = async (place: Place) => {
    const fsType = place.partition.filesystem?.type ?? '';
    setProblem(null);
    setSub({ kind: 'busy', words: `Mounting ${place.partition.path} (${fsType}) read-write...` });
    try {
      const mounted = await backend.mount(place.partition.path, fsType);
      disks.reload();
      const repos = await backend.findRepositories([mounted.mountpoint]);
      if (repos.length > 0) setSub({ kind: 'found', mounted, repos, base: mounted.mountpoint });
      else setSub({ kind: 'folder', mounted, text: purpose === 'capture' ? path.join(mounted.mountpoint, 'lifeboat') : `${mounted.mountpoint}/` });
    } catch (error) {
      setProblem(isLifeboatError(error) ? `${error.message} [${error.code}]` : String(error));
      setSub({ kind: 'where' });
    }
  };

  const status = problem ? (
    <Text color="red" wrap="wrap">
      {problem}
    </Text>
  ) : undefined;

  if (sub.kind === 'busy') {
    return (
      <Frame title={title} step={step} help={HELP_WHERE} keys="">
        <Text>{sub.words}</Text>
      </Frame>
    );
  }

  if (sub.kind === 'folder') {
    const back = () => {
      release(sub.mounted);
      setProblem(null);
      setSub({ kind: 'where' });
    };
    return (
      <Frame title={title} step={step} help={HELP_WHERE} keys="Enter: use this folder  Tab: complete  Ctrl-U: clear  Esc: back" onBack={back} status={status}>
        <Text>
          {purpose === 'capture'
            ? 'Folder for the image (an existing repository gets a new snapshot; otherwise it must be new or empty):'
            : 'Folder that holds the Lifeboat repository:'}
        </Text>
        <Text> </Text>
        <TextField
          value={sub.text}
          placeholder="/mnt/usb/images"
          onChange={(text) => setSub({ ...sub, text })}
          onSubmit={(text) => void use(text, sub.mounted)}
          complete={completePath}
        />
        {sub.mounted ? <Text dimColor>{`${sub.mounted.device} is mounted at ${sub.mounted.mountpoint} until you leave this task.`}</Text> : null}
      </Frame>
    );
  }

  if (sub.kind === 'found') {
    const items: ListItem[] = [
      ...sub.repos.map((repo) => ({
        key: `repo:${repo.dir}`,
        label: `Repository ${repo.dir}  (${repo.snapshotCount} snapshot${repo.snapshotCount === 1 ? '' : 's'})`,
      })),
      { key: 'type', label: purpose === 'capture' ? 'A new repository in another folder...' : 'Type a folder path...' },
    ];
    const back = () => {
      release(sub.mounted);
      setSub({ kind: 'where' });
    };
    return (
      <Frame title={title} step={step} help={HELP_WHERE} keys="Enter: choose  Esc: back" onBack={back} status={status}>
        <Text>{`Repositories in ${sub.base}:`}</Text>
        <Text> </Text>
        <SelectList
          items={items}
          height={12}
          onSelect={(item) => {
            if (item.key === 'type')
              setSub({ kind: 'folder', mounted: sub.mounted, text: purpose === 'capture' ? path.join(sub.base, 'lifeboat') : `${sub.base}/` });
            else void use(item.key.slice(5), sub.mounted);
          }}
        />
      </Frame>
    );
  }

  const items: ListItem[] = [
    ...(found ?? []).map((repo) => ({
      key: `repo:${repo.dir}`,
      label: `Repository ${repo.dir}  (${repo.snapshotCount} snapshot${repo.snapshotCount === 1 ? '' : 's'})`,
      hint: purpose === 'capture' ? 'Adds a new snapshot to it: only chunks that changed are stored.' : 'Use the snapshots in this repository.',
    })),
    ...places.flatMap(({ partition }) =>
      partition.mountpoints
        .filter((m) => m.startsWith('/'))
        .map((mountpoint) => ({
          key: `mp:${mountpoint}`,
          label: `Folder on ${mountpoint}  (${describe(partition)})`,
          hint: 'A filesystem that is already mounted: choose or type the folder next.',
        })),
    ),
    { key: 'type', label: 'Type a folder path...', hint: 'Any folder: an existing repository, or a new or empty folder.' },
    ...places
      .filter(
        ({ partition }) =>
          partition.mountpoints.length === 0 && partition.holders.length === 0 && !partition.readOnly && canHoldImages(partition.filesystem?.type),
      )
      .map(({ partition }) => ({
        key: `mount:${partition.path}`,
        label: `Mount ${describe(partition)}`,
        hint: 'Lifeboat mounts it read-write now and unmounts it when you leave this task.',
      })),
  ];
  return (
    <Frame title={title} step={step} help={HELP_WHERE} keys="Enter: choose  Esc: back" onBack={onBack} status={status}>
      <Text>{purpose === 'capture' ? 'Where should the image go?' : 'Where is the image?'}</Text>
      <Text dimColor>
        {found === null
          ? 'Looking for repositories on mounted filesystems...'
          : disks.state.status === 'ready' && disks.state.reading
            ? 'Reading the disks...'
            : ' '}
      </Text>
      <Box flexDirection="column">
        <SelectList
          items={items}
          height={12}
          onSelect={(item) => {
            if (item.key === 'type') setSub({ kind: 'folder', mounted: null, text: '' });
            else if (item.key.startsWith('repo:')) void use(item.key.slice(5), null);
            else if (item.key.startsWith('mp:'))
              setSub({
                kind: 'folder',
                mounted: null,
                text: purpose === 'capture' ? path.join(item.key.slice(3), 'lifeboat') : `${item.key.slice(3).replace(/\/$/, '')}/`,
              });
            else {
              const place = places.find(({ partition }) => `mount:${partition.path}` === item.key);
              if (place) void mount(place);
            }
          }}
        />
      </Box>
    </Frame>
  );
}
