/**
 * The report a --rescue capture prints at the end, for a person (lines) and for scripts (the
 * `rescue` member of the JSON result): every unreadable range, where it lies and whose bytes it
 * held, and what each pass did.
 */
import { formatBytes } from '../core/format-bytes.js';
import type { ByteOwner } from '../filesystems/byte-owners.js';
import { extentLabel } from '../pipeline/extents.js';
import type { ExtentRecord, RescueRecord } from '../repository/snapshot-types.js';

/** Ranges printed in text; the manifest and --json have them all. */
const MAX_PRINTED_RANGES = 200;

function ownerText(owner: ByteOwner): string {
  if (owner.fileOffsetBytes === undefined) return owner.kind === 'file' || owner.kind === 'directory' ? `${owner.name} (its inode or record)` : owner.name;
  const last = owner.fileOffsetBytes + (owner.lengthBytes ?? 0) - 1;
  return `${owner.name} (bytes ${owner.fileOffsetBytes}-${last})`;
}

export function rescueLines(rescue: RescueRecord, extents: readonly ExtentRecord[], sectorBytes: number): string[] {
  const passes = rescue.passes.map(
    (p) =>
      `  ${p.name}: ${p.reads} reads, ${p.failedReads} failed${p.recoveredBytes > 0 ? `, ${formatBytes(p.recoveredBytes)} recovered` : ''} (${p.seconds.toFixed(1)} s)`,
  );
  if (rescue.badRangeCount === 0) return ['Rescue: every used sector was read; nothing was filled with zeros.', ...passes];
  const lines = [
    `Rescue: ${rescue.badSectorCount} unreadable sector(s) in ${rescue.badRangeCount} range(s) (${formatBytes(rescue.badSectorCount * sectorBytes)}) were stored as zeros:`,
  ];
  for (const range of rescue.ranges.slice(0, MAX_PRINTED_RANGES)) {
    const last = range.firstSector + range.sectorCount - 1;
    const sectors = range.sectorCount === 1 ? `sector ${range.firstSector}` : `sectors ${range.firstSector}-${last}`;
    const extent = extents[range.extent];
    lines.push(`  ${sectors} (byte ${range.firstSector * sectorBytes}), ${extent ? extentLabel(extent) : 'outside the captured extents'}:`);
    for (const owner of range.owners) lines.push(`      ${ownerText(owner)}`);
    if (range.ownersNote) lines.push(`      (${range.ownersNote})`);
  }
  const notShown = rescue.badRangeCount - Math.min(rescue.ranges.length, MAX_PRINTED_RANGES);
  if (notShown > 0) lines.push(`  ... and ${notShown} more range(s): see \`lifeboat inspect --repo DIR --json\`.`);
  lines.push('Passes:', ...passes);
  return lines;
}

/** Every bad range as {firstSector, sectorCount}, for JSON output. */
export function rangesJson(pairs: Float64Array | undefined): Array<{ firstSector: number; sectorCount: number }> {
  const list: Array<{ firstSector: number; sectorCount: number }> = [];
  for (let i = 0; pairs && i < pairs.length; i += 2) list.push({ firstSector: pairs[i] ?? 0, sectorCount: pairs[i + 1] ?? 0 });
  return list;
}
