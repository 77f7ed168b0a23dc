import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withHelper } from '../../../recovery/helper/helper-client.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/sysroot');
const trees = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/**
 * Enumeration without hardware: the helper reads captured /sys + /proc + /run trees, and its
 * answer must equal the expected.json derived by hand from each tree (see the fixtures' README).
 */
describe('the helper enumerates captured sysfs trees without root', () => {
  it('has fixture trees to read', () => {
    expect(trees.length).toBeGreaterThanOrEqual(3);
  });

  for (const tree of trees) {
    it(`lists the disks of ${tree} exactly as expected`, async () => {
      const root = path.join(FIXTURES, tree);
      const expected = JSON.parse(readFileSync(path.join(root, 'expected.json'), 'utf8')) as { disks: HelperDisk[] };
      const disks = await withHelper({ sysroot: root }, (helper) => helper.listDisks());
      expect(disks).toEqual(expected.disks);
    });
  }

  it('answers info by kernel name in a captured tree, and UNSUPPORTED for operations that need a device', async () => {
    const root = path.join(FIXTURES, trees[0]!);
    await withHelper({ sysroot: root }, async (helper) => {
      const [first] = await helper.listDisks();
      const { disk } = await helper.info(first!.name);
      expect(disk).toEqual(first);
      await expect(helper.flush(first!.path)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(helper.info('/dev/no-such-disk')).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    });
  });

  it('lock-volumes and unlock-volumes have nothing to do on Linux and answer an empty list', async () => {
    const root = path.join(FIXTURES, trees[0]!);
    await withHelper({ sysroot: root }, async (helper) => {
      const [first] = await helper.listDisks();
      expect(await helper.lockVolumes(first!.path)).toEqual([]);
      expect(await helper.unlockVolumes(first!.path)).toEqual([]);
      await expect(helper.sendRaw('{"id": 1, "op": "lock-volumes"}')).rejects.toMatchObject({ code: 'HELPER_BAD_REQUEST' });
      await expect(helper.sendRaw('{"id": 2, "op": "unlock-volumes", "device": 7}')).rejects.toMatchObject({ code: 'HELPER_BAD_REQUEST' });
    });
  });

  it('a sysroot with no /sys is SYSTEM_DATA_UNREADABLE, not a crash', async () => {
    await withHelper({ sysroot: path.join(FIXTURES, 'no-such-tree') }, async (helper) => {
      await expect(helper.listDisks()).rejects.toMatchObject({ code: 'SYSTEM_DATA_UNREADABLE' });
    });
  });
});
