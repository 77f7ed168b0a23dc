import { formatBytes } from '../../core/format-bytes.js';
import { extentLabel } from '../../pipeline/extents.js';
import { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshot-types.js';
import { extentLines } from '../plan-text.js';
import { rangesJson, rescueLines } from '../rescue-text.js';

export const SNAPSHOTS_SCHEMA = 'lifeboat.snapshots/1';
export const SNAPSHOT_INSPECT_SCHEMA = 'lifeboat.snapshot-inspect/1';

function summary(snapshot: Snapshot) {
  const d = snapshot.description;
  return {
    id: snapshot.id,
    file: snapshot.file,
    createdAt: d.createdAt,
    finishedAt: d.finishedAt,
    note: d.note,
    scope: d.scope,
    tool: d.tool,
    source: d.source,
    scheme: d.table.scheme,
    partitions: d.extents.filter((e) => e.kind === 'partition').length,
    usedBytes: d.totals.usedBytes,
    newStoredBytes: d.totals.newStoredBytes,
    newChunks: d.totals.newChunks,
  };
}

/** `lifeboat snapshots --repo DIR`: every snapshot, oldest first; damaged manifests are named. */
export async function snapshotsCommand(options: { repo: string; json: boolean }): Promise<void> {
  const repository = await Repository.open(options.repo);
  const { snapshots, damaged } = await repository.listSnapshots();
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ schema: SNAPSHOTS_SCHEMA, repository: options.repo, snapshots: snapshots.map(summary), damaged }, null, 2)}\n`);
    return;
  }
  if (snapshots.length === 0 && damaged.length === 0) {
    process.stdout.write(`${options.repo} holds no snapshot yet.\n`);
    return;
  }
  process.stdout.write(`${'ID'.padEnd(18)}${'CAPTURED (UTC)'.padEnd(21)}${'SOURCE'.padEnd(20)}${'SIZE'.padStart(10)}${'USED'.padStart(11)}  NOTE\n`);
  for (const s of snapshots) {
    const d = s.description;
    const source = `${d.source.path}${d.scope === 'partition' ? ` p${String(d.extents[0]?.number)}` : ''}`;
    const line = `${s.id.padEnd(18)}${d.createdAt.slice(0, 19).replace('T', ' ').padEnd(21)}${source.slice(0, 19).padEnd(20)}${formatBytes(d.source.sizeBytes).padStart(10)}${formatBytes(d.totals.usedBytes).padStart(11)}  ${d.note ?? ''}`;
    process.stdout.write(`${line.slice(0, 79)}\n`);
  }
  for (const sentence of damaged) process.stderr.write(`warning: ${sentence}\n`);
}

/** `lifeboat inspect --repo DIR [--snapshot ID]`: one snapshot's source, table and extents. */
export async function inspectSnapshotCommand(options: { repo: string; snapshot: string; json: boolean }): Promise<void> {
  const repository = await Repository.open(options.repo);
  const snapshot = await repository.findSnapshot(options.snapshot);
  const d = snapshot.description;
  if (options.json) {
    const bad = snapshot.badRanges === undefined ? {} : { badRanges: rangesJson(snapshot.badRanges) };
    process.stdout.write(
      `${JSON.stringify({ ...d, ...bad, schema: SNAPSHOT_INSPECT_SCHEMA, snapshotSchema: d.schema, id: snapshot.id, file: snapshot.file }, null, 2)}\n`,
    );
    return;
  }
  const lines = [
    `Snapshot ${snapshot.id} (${d.scope}), captured ${d.createdAt} by ${d.tool}${d.note ? `, note "${d.note}"` : ''}`,
    `Source: ${d.source.path} (${[d.source.model, d.source.serial ? `serial ${d.source.serial}` : null].filter(Boolean).join(', ') || 'no model'}), ${formatBytes(d.source.sizeBytes)}, ${d.source.logicalSectorSize}-byte sectors`,
    `Partition table: ${d.table.scheme === 'none' ? 'none' : d.table.scheme.toUpperCase()}, ${d.metadataAreas.length} table area(s) stored`,
    `Chunks: ${d.totals.chunks} of ${formatBytes(d.chunkSizeBytes)}; this capture added ${d.totals.newChunks} (${formatBytes(d.totals.newStoredBytes)})`,
    'Extents:',
    ...extentLines(d.extents),
    ...d.extents.filter((e) => e.coverage !== 'filesystem' && e.reason).map((e) => `  ${extentLabel(e)}: ${e.reason ?? ''}`),
    ...(d.rescue ? rescueLines(d.rescue, d.extents, d.source.logicalSectorSize) : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
