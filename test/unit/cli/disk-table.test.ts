import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../recovery/core/format-bytes.js';
import { diskFlags } from '../../../recovery/disks/disk-flags.js';
import { renderDiskTable } from '../../../recovery/disks/disk-table.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';

function fixture(name: string): HelperDisk[] {
  const file = path.resolve(import.meta.dirname, `../../fixtures/sysroot/${name}/expected.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { disks: HelperDisk[] }).disks;
}

describe('the disks table', () => {
  it('fits an 80-column console and shows every disk and partition', () => {
    const disks = fixture('lvm-server');
    const text = renderDiskTable(disks);
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const partitions = disks.reduce((n, d) => n + d.partitions.length, 0);
    expect(text.trimEnd().split('\n')).toHaveLength(1 + disks.length + partitions);
  });

  it('marks the boot medium and mounted disks so they are never mistaken for targets', () => {
    const stick = fixture('usb-stick').find((d) => d.isBootMedium);
    expect(stick).toBeDefined();
    expect(diskFlags(stick!)).toEqual(expect.arrayContaining(['boot-medium', 'mounted', 'removable']));
    expect(renderDiskTable([stick!])).toMatch(/boot,mounted,removable/);
  });

  it('says so when there is no disk', () => {
    expect(renderDiskTable([])).toBe('No disks found.\n');
  });

  it('prints sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(500107862016)).toBe('465.8 GiB');
  });
});
