import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HELPER_CODES } from '../../../recovery/helper/error-codes.js';
import { HelperClient } from '../../../recovery/helper/helper-client.js';
import { Scratch } from '../../helpers/loop-device.js';
import { describeWith, type Need } from '../../helpers/requirements.js';

const MiB = 1024 * 1024;

/**
 * The same hostile conversation, once with the plain helper and once under valgrind: every bad
 * request gets a stable code and a sentence, the helper keeps answering, and valgrind finds no
 * memory error or leak (its --error-exitcode makes the helper's exit code say so).
 */
const runs: Array<{ name: string; needs: Need[]; launcher?: string[] }> = [
  { name: 'the helper answers bad input with stable codes and keeps going', needs: ['root', 'loop-devices'] },
  {
    name: 'the helper answers bad input cleanly under valgrind',
    needs: ['root', 'loop-devices', 'tool:valgrind'],
    launcher: ['valgrind', '--quiet', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect'],
  },
];

for (const run of runs) {
  describeWith(run.needs, run.name, () => {
    let scratch: Scratch;
    let helper: HelperClient;

    beforeEach(async () => {
      scratch = await Scratch.create();
      helper = new HelperClient(run.launcher ? { launcher: run.launcher } : {});
    });

    afterEach(async () => {
      const exitCode = await helper.close();
      await scratch.cleanup();
      expect(exitCode, 'the helper exit code (99 means valgrind found an error)').toBe(0);
    });

    it('publishes the same error table as the client', async () => {
      const codes = await helper.codes();
      expect(codes.map((c) => [c.code, c.name])).toEqual(HELPER_CODES.map((c) => [c.code, c.name]));
      for (const entry of codes) expect(entry.message.length).toBeGreaterThan(10);
    });

    it('an unknown device path is NOT_FOUND, named in the sentence', async () => {
      await expect(helper.info('/dev/lifeboat-no-such-disk')).rejects.toMatchObject({
        code: 'DEVICE_NOT_FOUND',
        message: expect.stringContaining('/dev/lifeboat-no-such-disk'),
      });
    });

    it('a regular file passed as a device is NOT_BLOCK_DEVICE', async () => {
      const file = `${scratch.dir}/plain.txt`;
      await writeFile(file, 'not a disk');
      await expect(helper.info(file)).rejects.toMatchObject({ code: 'NOT_BLOCK_DEVICE' });
      await expect(helper.discard(file, 0, 512)).rejects.toMatchObject({ code: 'NOT_BLOCK_DEVICE' });
    });

    it('a loop device detached between list and info is NO_MEDIUM', async () => {
      const device = await scratch.attach(await scratch.sparseFile('gone.img', 4 * MiB));
      expect((await helper.listDisks()).map((d) => d.path)).toContain(device);
      await scratch.detach(device);
      await expect(helper.info(device)).rejects.toMatchObject({ code: 'NO_MEDIUM' });
      expect((await helper.listDisks()).map((d) => d.path)).not.toContain(device);
    });

    it('malformed, oversized and unknown requests are answered and the helper keeps going', async () => {
      await expect(helper.sendRaw('{"id": 1, "op": ')).rejects.toMatchObject({ code: 'HELPER_BAD_REQUEST' });
      await expect(helper.sendRaw('\u0000\u00ff\u00fe garbage')).rejects.toMatchObject({ code: 'HELPER_BAD_REQUEST' });
      await expect(helper.sendRaw('['.repeat(50_000))).rejects.toMatchObject({ code: 'HELPER_BAD_REQUEST' });
      await expect(helper.sendRaw(`{"id": 5, "op": "info", "device": "${'x'.repeat(200_000)}"}`)).rejects.toMatchObject({
        code: 'HELPER_REQUEST_TOO_LONG',
      });
      await expect(helper.sendRaw('{"id": 6, "op": "format-c"}')).rejects.toMatchObject({ code: 'HELPER_UNKNOWN_OP' });
      await expect(helper.sendRaw('{"id": 7, "op": "info"}')).rejects.toMatchObject({ code: 'HELPER_BAD_REQUEST' });
      await expect(helper.sendRaw('{"id": 8, "op": "discard", "device": "/dev/null", "offset": -1, "length": 1.5}')).rejects.toMatchObject({
        code: 'HELPER_BAD_REQUEST',
      });
      expect((await helper.version()).protocol).toBe(1);
    });

    it('a discard outside the disk or off sector boundaries is OUT_OF_RANGE', async () => {
      const device = await scratch.attach(await scratch.sparseFile('small.img', 4 * MiB));
      await expect(helper.discard(device, 4 * MiB, 512)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
      await expect(helper.discard(device, 100, 512)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    });
  });
}
