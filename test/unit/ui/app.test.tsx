import { readFileSync } from 'node:fs';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../recovery/core/errors.js';
import type { InspectedDisk } from '../../../recovery/disks/inspect-disks.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';
import { App } from '../../../recovery/ui/App.js';

const laptop = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../fixtures/sysroot/laptop-sata-nvme/expected.json'), 'utf8'),
) as { disks: HelperDisk[] };

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the first screen lists the disks', () => {
  it('shows each disk with its marks and each partition with where it is mounted', async () => {
    const { lastFrame, unmount } = render(<App helperOptions={{}} loadDisks={async () => laptop.disks} />);
    await settle();
    const frame = lastFrame() ?? '';
    for (const disk of laptop.disks) expect(frame).toContain(disk.path);
    expect(frame).toMatch(/nvme0n1 .*system/);
    expect(frame).toContain('/boot/efi');
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(frame).toContain('q: quit');
    unmount();
  });

  it('says what went wrong, with the error code, when the disks cannot be listed', async () => {
    const failing = async (): Promise<HelperDisk[]> => {
      throw new LifeboatError('HELPER_NOT_FOUND', 'The native disk helper has not been built.');
    };
    const { lastFrame, unmount } = render(<App helperOptions={{}} loadDisks={failing} />);
    await settle();
    expect(lastFrame()).toContain('The native disk helper has not been built. [HELPER_NOT_FOUND]');
    unmount();
  });

  it('shows the disks at once and fills in their filesystems when they have been read', async () => {
    let finish: (disks: InspectedDisk[]) => void = () => undefined;
    const inspected: InspectedDisk[] = laptop.disks.map((disk) => ({
      ...disk,
      filesystem: null,
      inspectProblem: null,
      partitionTableWarnings: [],
      partitions: disk.partitions.map((part) => ({
        ...part,
        filesystemProblem: null,
        filesystem:
          part.name === 'nvme0n1p2'
            ? { type: 'ext4', version: '1.0', label: 'root', uuid: null, sizeBytes: 100 * 2 ** 30, blockSizeBytes: 4096, usedBytes: 40 * 2 ** 30, freeBytes: 60 * 2 ** 30, dirty: true, dirtyReason: 'needs journal recovery' }
            : null,
      })),
    }));
    const load = (_options: unknown, onListed?: (disks: HelperDisk[]) => void) => {
      onListed?.(laptop.disks);
      return new Promise<InspectedDisk[]>((resolve) => (finish = resolve));
    };
    const { lastFrame, unmount } = render(<App helperOptions={{}} loadDisks={load} />);
    await settle();
    expect(lastFrame()).toContain('/dev/nvme0n1');
    expect(lastFrame()).toContain('Reading partition tables and filesystems...');
    expect(lastFrame()).not.toContain('60.0 GiB free');
    finish(inspected);
    await settle();
    expect(lastFrame()).not.toContain('Reading partition tables');
    expect(lastFrame()).toMatch(/nvme0n1p2 .* ext4 .* 60\.0 GiB free, dirty/);
    unmount();
  });
});
