/** The TuiBackend that drives the real engine, the native helper and the system's mount tools. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ListedDisk } from '../../disks/disk-table.js';
import { mountReadWrite, unmountFilesystem, type MountedFilesystem } from '../../disks/mount-filesystem.js';
import { targetRefusal } from '../../disks/open-for-pipeline.js';
import type { HelperDisk } from '../../helper/protocol.js';
import type { HelperOptions } from '../../helper/helper-client.js';
import { Repository } from '../../repository/repository.js';
import { deviceRefusal, diskHoldingPath } from '../safety.js';
import { defaultLoadDisks } from '../use-disks.js';
import { runCapture } from './capture-job.js';
import { previewClone, runClone } from './clone-job.js';
import { findRepositories } from './find-repositories.js';
import { folderFacts } from './folder-facts.js';
import { powerOff } from './live-system.js';
import { runRestore } from './restore-job.js';
import type { TargetCandidate, TargetRules, TuiBackend } from './types.js';
import { runVerify } from './verify-job.js';

async function isFile(target: string): Promise<boolean> {
  return stat(target).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The safety rules for one candidate: the shared targetRefusal (system, boot medium, repository by
 * device number, mounted, held), then the UI's own: the source of a clone, the repository found
 * through mount points (FUSE mounts), no medium, write-protected.
 */
export async function refusal(candidate: TargetCandidate, rules: TargetRules, disks: readonly ListedDisk[]): Promise<string | null> {
  const { disk, partition } = candidate;
  const target = candidate.path;
  if (
    rules.sourcePath !== undefined &&
    (rules.sourcePath === disk.path || rules.sourcePath === target || disk.partitions.some((p) => p.path === rules.sourcePath))
  ) {
    return rules.sourcePath === target ? `${target} is the source itself.` : `${target} is on the source disk ${disk.path}.`;
  }
  // An image file standing in for a disk (tests, or a disk image a technician restores into).
  const file = await isFile(target);
  const facts = file ? { helperDisk: null, partition: null } : { helperDisk: disk as HelperDisk, partition };
  const { repoDir } = rules;
  // A repository folder that has gone (a stick pulled) cannot be matched by device number; the
  // mount-point rule below still can.
  const repoExists =
    repoDir !== undefined &&
    (await stat(repoDir).then(
      () => true,
      () => false,
    ));
  const general = await targetRefusal(target, facts, repoExists && repoDir !== undefined ? { repoDir } : {});
  if (repoDir !== undefined && !file && (general === null || general.includes('mounted'))) {
    const holder = diskHoldingPath(disks, repoDir);
    if (holder && holder.disk.path === disk.path && (!partition || holder.partitionPath === null || holder.partitionPath === partition.path))
      return `${target} holds the repository ${repoDir}.`;
  }
  return general ?? (file ? null : deviceRefusal(disk, partition));
}

export function realBackend(helperOptions: HelperOptions): TuiBackend {
  const mounted = new Set<MountedFilesystem>();
  return {
    loadDisks: defaultLoadDisks,
    refusal,
    folder: folderFacts,
    findRepositories,
    async openRepository(dir) {
      // No repository.json: an empty, new or foreign directory, not an error; anything else
      // (unreadable, damaged, newer format) is, and Repository.open says which.
      const hasConfig = await stat(path.join(dir, 'repository.json')).then(
        () => true,
        () => false,
      );
      if (!hasConfig) return null;
      const repository = await Repository.open(dir);
      const { snapshots, damaged } = await repository.listSnapshots();
      return { dir, snapshots, damaged };
    },
    capture: (job, io) => runCapture(helperOptions, job, io),
    restore: (job, io) => runRestore(helperOptions, job, io),
    previewClone: (sourcePath, targetPath) => previewClone(helperOptions, sourcePath, targetPath),
    clone: (job, io) => runClone(helperOptions, job, io),
    verify: (job, io) => runVerify(helperOptions, job, io),
    async mount(device, fsType) {
      const done = await mountReadWrite(device, fsType);
      mounted.add(done);
      return done;
    },
    async unmount(filesystem) {
      await unmountFilesystem(filesystem);
      mounted.delete(filesystem);
    },
    async unmountAll() {
      for (const filesystem of [...mounted]) {
        await unmountFilesystem(filesystem).catch(() => undefined);
        mounted.delete(filesystem);
      }
    },
    power: powerOff,
  };
}
