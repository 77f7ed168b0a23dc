import { readFileSync } from 'node:fs';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../recovery/core/errors.js';
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
});
