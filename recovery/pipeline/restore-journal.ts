/**
 * The restore journal: how far a restore has durably got, kept on the target itself, inside the
 * head guard zone (guard-zones.ts) that stays zero until the restore's last step. On the target,
 * because that is the one place certain to survive what interrupted the restore: the live system
 * runs from RAM (a state directory is gone after the power cut), the repository may be read-only,
 * and device names change after a reboot, while the journal moves with the disk. The last step
 * overwrites the zone with its final bytes, so a finished restore leaves no journal behind.
 *
 * Two slots, written alternately, each with a sequence number and a SHA-256: a torn write damages
 * at most the slot being written, and the reader takes the valid slot with the higher sequence.
 * Layout in docs/image-format.md ("The restore journal").
 */
import { createHash, randomBytes } from 'node:crypto';
import { dataView } from '../core/bytes.js';
import type { Disk } from '../disks/disk.js';
import type { PlannedWrite } from '../partitions/partition-table.js';
import { GUARD_BYTES, type WriteRegion } from './guard-zones.js';

export const JOURNAL_MAGIC = createHash('sha256').update('Lifeboat restore journal').digest().subarray(0, 8);
export const JOURNAL_VERSION = 1;
/** Inside the head guard, away from every offset a libblkid prober reads (ZFS's labels end at 512 KiB). */
export const JOURNAL_SLOT_OFFSETS = [768 * 1024, 772 * 1024] as const;
export const JOURNAL_SLOT_BYTES = 4096;
const HEADER_BYTES = 24;
const HASH_BYTES = 32;
const MAX_JSON_BYTES = JOURNAL_SLOT_BYTES - HEADER_BYTES - HASH_BYTES;

export interface JournalTarget {
  /** As the user named it when the restore started (names change across reboots: informative only). */
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
  model: string | null;
  serial: string | null;
}

export interface RestoreJournal {
  /** Random, one per restore started from the beginning; a resume keeps it. */
  restoreId: string;
  sequence: number;
  snapshotId: string;
  repositoryId: string;
  /** Digest of everything that decides where each chunk goes (restore-plan.ts planDigest). */
  planDigest: string;
  mode: 'disk' | 'partition';
  regionOffsetBytes: number;
  regionSizeBytes: number;
  target: JournalTarget;
  /** Chunks, in write order, whose used bytes are written and flushed. */
  chunksDone: number;
  bytesDone: number;
  usedBytes: number;
  startedAt: string;
  updatedAt: string;
}

/** A journal needs its slots inside the head guard, which needs the region to be at least a MiB. */
export function journalFits(region: WriteRegion, logicalSectorSize: number): boolean {
  return region.sizeBytes >= GUARD_BYTES && logicalSectorSize <= JOURNAL_SLOT_BYTES;
}

export function newRestoreId(): string {
  return randomBytes(16).toString('hex');
}

function clip(text: string | null, max: number): string | null {
  return text === null || text.length <= max ? text : text.slice(0, max);
}

export function encodeJournal(record: RestoreJournal): Uint8Array {
  const compact = {
    ...record,
    target: { ...record.target, path: clip(record.target.path, 512) ?? '', model: clip(record.target.model, 128), serial: clip(record.target.serial, 128) },
  };
  const json = Buffer.from(JSON.stringify(compact), 'utf8');
  if (json.length > MAX_JSON_BYTES) throw new Error(`restore journal record of ${json.length} bytes does not fit its slot`);
  const slot = new Uint8Array(JOURNAL_SLOT_BYTES);
  const view = dataView(slot);
  slot.set(JOURNAL_MAGIC, 0);
  view.setUint16(8, JOURNAL_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(record.sequence), true);
  slot.set(json, HEADER_BYTES);
  slot.set(
    createHash('sha256')
      .update(slot.subarray(0, JOURNAL_SLOT_BYTES - HASH_BYTES))
      .digest(),
    JOURNAL_SLOT_BYTES - HASH_BYTES,
  );
  return slot;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** The record of one slot, or null when the slot holds no intact record (zeros, torn, other data, newer version). */
export function decodeJournal(slot: Uint8Array): RestoreJournal | null {
  if (slot.length < JOURNAL_SLOT_BYTES || !Buffer.from(slot.subarray(0, 8)).equals(JOURNAL_MAGIC)) return null;
  const view = dataView(slot);
  if (view.getUint16(8, true) !== JOURNAL_VERSION) return null;
  const digest = createHash('sha256')
    .update(slot.subarray(0, JOURNAL_SLOT_BYTES - HASH_BYTES))
    .digest();
  if (!digest.equals(slot.subarray(JOURNAL_SLOT_BYTES - HASH_BYTES, JOURNAL_SLOT_BYTES))) return null;
  const length = view.getUint32(12, true);
  if (length > MAX_JSON_BYTES) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(slot.subarray(HEADER_BYTES, HEADER_BYTES + length)).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const record = parsed as Record<string, unknown>;
  const t = record['target'] as Record<string, unknown> | null | undefined;
  const sequence = Number(view.getBigUint64(16, true));
  const valid =
    typeof t === 'object' &&
    t !== null &&
    isText(record['restoreId']) &&
    isText(record['snapshotId']) &&
    isText(record['repositoryId']) &&
    isText(record['planDigest']) &&
    (record['mode'] === 'disk' || record['mode'] === 'partition') &&
    isCount(record['regionOffsetBytes']) &&
    isCount(record['regionSizeBytes']) &&
    isText(t['path']) &&
    isCount(t['sizeBytes']) &&
    isCount(t['logicalSectorSize']) &&
    isTextOrNull(t['model']) &&
    isTextOrNull(t['serial']) &&
    isCount(record['chunksDone']) &&
    isCount(record['bytesDone']) &&
    isCount(record['usedBytes']) &&
    isText(record['startedAt']) &&
    isText(record['updatedAt']) &&
    record['sequence'] === sequence;
  return valid ? (record as unknown as RestoreJournal) : null;
}

/** Where the slots of a region's journal lie on the target. */
export function journalSlotOffsets(region: WriteRegion): number[] {
  return JOURNAL_SLOT_OFFSETS.map((offset) => region.offsetBytes + offset);
}

/** The newest intact record of the region's journal, or null when there is none. */
export async function readJournal(disk: Disk, region: WriteRegion): Promise<RestoreJournal | null> {
  if (!journalFits(region, disk.logicalSectorSize) || region.offsetBytes + region.sizeBytes > disk.sizeBytes) return null;
  const records: RestoreJournal[] = [];
  for (const offset of journalSlotOffsets(region)) {
    const record = decodeJournal(await disk.readAt(offset, JOURNAL_SLOT_BYTES));
    if (record) records.push(record);
  }
  records.sort((a, b) => b.sequence - a.sequence);
  return records[0] ?? null;
}

/** Produces the slot writes of one restore's journal, alternating between the two slots. */
export class JournalWriter {
  private record: RestoreJournal;

  constructor(
    private readonly region: WriteRegion,
    start: RestoreJournal,
  ) {
    this.record = start;
  }

  get current(): RestoreJournal {
    return this.record;
  }

  /** The next record (sequence + 1) saying `chunksDone` chunks and `bytesDone` used bytes are durable. */
  next(chunksDone: number, bytesDone: number): PlannedWrite {
    this.record = { ...this.record, sequence: this.record.sequence + 1, chunksDone, bytesDone, updatedAt: new Date().toISOString() };
    const offset = journalSlotOffsets(this.region)[this.record.sequence % 2] as number;
    return { offsetBytes: offset, bytes: encodeJournal(this.record), what: 'restore journal' };
  }
}
