/**
 * What the screens ask of the engine, as one interface. The real implementation (real-backend.ts)
 * calls the pipeline, the repository and the helper; screens only see these plain types, so they
 * can be tested with disks from a captured /sys tree or with image files.
 */
import type { ListedDisk } from '../../disks/disk-table.js';
import type { MountedFilesystem } from '../../disks/mount-filesystem.js';
import type { HelperPartition } from '../../helper/protocol.js';
import type { ProgressListener } from '../../pipeline/progress.js';
import type { Snapshot } from '../../repository/snapshot-types.js';
import type { LoadDisks } from '../use-disks.js';
import type { PowerAction } from './live-system.js';

export type { MountedFilesystem };

/** What a running job is given: a way to be stopped and places to report to. */
export interface JobIo {
  signal: AbortSignal;
  onProgress: ProgressListener;
  onWarning: (sentence: string) => void;
}

export interface CaptureJob {
  sourcePath: string;
  /** Capture only this partition of the source disk. */
  partitionNumber?: number;
  repoDir: string;
  level: number;
  note: string | null;
  verifyAfter: boolean;
}

export interface ExtentSummary {
  label: string;
  usedBytes: number;
  coverage: 'filesystem' | 'whole' | 'header';
}

export interface CaptureOutcome {
  snapshotId: string;
  repositoryCreated: boolean;
  usedBytes: number;
  storedBytes: number;
  newChunks: number;
  reusedChunks: number;
  durationSeconds: number;
  extents: ExtentSummary[];
  /** Null when no check was asked for. */
  verification: { checkedChunks: number; problemCount: number; problems: string[] } | null;
}

export interface RepositoryView {
  dir: string;
  /** Oldest first. */
  snapshots: Snapshot[];
  damaged: string[];
}

export interface FolderFacts {
  state: 'missing' | 'empty' | 'files' | 'not-a-folder';
  /** Free bytes of the filesystem the folder is (or would be) on; null when unknown. */
  freeBytes: number | null;
  /** Whether the folder, or its nearest existing parent when it is missing, can be written. */
  writable: boolean;
}

export interface FoundRepository {
  dir: string;
  snapshotCount: number;
}

export interface RestoreJob {
  repoDir: string;
  snapshotId: string;
  targetPath: string;
  verify: boolean;
}

export interface RestoreOutcome {
  mode: 'disk' | 'partition';
  writtenBytes: number;
  durationSeconds: number;
  /** Chunks read back and compared; null without verification. */
  verifiedChunks: number | null;
}

export interface CloneJob {
  sourcePath: string;
  targetPath: string;
  verify: boolean;
}

export interface ClonePreview {
  usedBytes: number;
  requiredBytes: number;
  extents: Array<ExtentSummary & { startBytes: number; sizeBytes: number; number: number | null; fsType: string | null; fsLabel: string | null }>;
  warnings: string[];
}

export interface CloneOutcome {
  copiedBytes: number;
  durationSeconds: number;
  verifiedChunks: number | null;
}

export interface VerifyJob {
  repoDir: string;
  /** Null: every snapshot of the repository. */
  snapshotId: string | null;
  /** Compare this disk with the snapshot instead of re-hashing the repository's chunks. */
  againstPath?: string;
}

export interface VerifyOutcome {
  kind: 'chunks' | 'against';
  snapshotCount: number;
  checkedChunks: number;
  problemCount: number;
  /** One sentence per problem (the first few dozen). */
  problems: string[];
  durationSeconds: number;
}

/** A disk, or one partition of it, that a screen may want to write. */
export interface TargetCandidate {
  path: string;
  disk: ListedDisk;
  partition: HelperPartition | null;
}

export interface TargetRules {
  /** The repository being read or written: its disk may not be overwritten. */
  repoDir?: string;
  /** The disk a clone reads. */
  sourcePath?: string;
}

export interface TuiBackend {
  loadDisks: LoadDisks;
  /** Why the candidate may not be written, as a sentence, or null when it may. */
  refusal(candidate: TargetCandidate, rules: TargetRules, disks: readonly ListedDisk[]): Promise<string | null>;
  /** What is at `dir` now, and the free space and writability where it is or would be created. */
  folder(dir: string): Promise<FolderFacts>;
  findRepositories(roots: readonly string[]): Promise<FoundRepository[]>;
  /** Null when `dir` holds no repository (missing, empty or other files). */
  openRepository(dir: string): Promise<RepositoryView | null>;
  capture(job: CaptureJob, io: JobIo): Promise<CaptureOutcome>;
  restore(job: RestoreJob, io: JobIo): Promise<RestoreOutcome>;
  previewClone(sourcePath: string, targetPath: string): Promise<ClonePreview>;
  clone(job: CloneJob, io: JobIo): Promise<CloneOutcome>;
  verify(job: VerifyJob, io: JobIo): Promise<VerifyOutcome>;
  mount(device: string, fsType: string): Promise<MountedFilesystem>;
  unmount(mounted: MountedFilesystem): Promise<void>;
  /** Whatever the screens mounted and did not unmount (the app is closing). */
  unmountAll(): Promise<void>;
  power(action: PowerAction): Promise<void>;
}
