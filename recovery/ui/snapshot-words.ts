/** Snapshots as the choosing screens name them: when, from which disk, how big, the note. */
import { formatBytes } from '../core/format-bytes.js';
import { extentLabel } from '../pipeline/extents.js';
import type { Snapshot } from '../repository/snapshot-types.js';
import type { LayoutRow } from './plan-layout.js';

/** "2025-03-14 09:26" in the machine's local time (a technician compares it with the wall clock). */
export function localTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The captured disk's model and serial, or its path; long ones keep their end, which differs most. */
export function sourceName(snapshot: Snapshot, width = 24): string {
  const s = snapshot.description.source;
  const name = [s.model, s.serial].filter(Boolean).join(' ') || s.path;
  return name.length > width ? `~${name.slice(name.length - width + 1)}` : name;
}

/** "2025-03-14 09:26  931.5 GiB disk  "before repair"  WDC WD10EZEX": the note before the source, which the hint shows whole. */
export function snapshotLine(snapshot: Snapshot): string {
  const d = snapshot.description;
  const scope = d.scope === 'disk' ? 'disk' : `partition ${String(d.extents[0]?.number ?? '?')}`;
  return [localTime(d.createdAt), `${formatBytes(d.source.sizeBytes)} ${scope}`, d.note ? `"${d.note}"` : '', sourceName(snapshot)].filter(Boolean).join('  ');
}

export function snapshotHint(snapshot: Snapshot): string {
  const d = snapshot.description;
  const parts = d.extents.filter((e) => e.kind !== 'gap').map((e) => extentLabel(e));
  return `id ${snapshot.id}, ${formatBytes(d.totals.usedBytes)} used, from ${d.source.path}: ${parts.join(', ') || 'no partitions'}`;
}

/** The partitions a restore of this snapshot creates, for the plan's "after" column. */
export function snapshotRows(snapshot: Snapshot): LayoutRow[] {
  return snapshot.description.extents
    .filter((e) => e.kind !== 'gap')
    .map((e) => ({
      number: e.number,
      sizeBytes: e.sizeBytes,
      what: e.filesystem
        ? `${e.filesystem.type === 'vfat' && e.filesystem.version ? e.filesystem.version : e.filesystem.type}${e.filesystem.label ? ` "${e.filesystem.label}"` : ''}`
        : (e.partition?.typeName ?? 'no filesystem'),
    }));
}
