import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { sfdiskDump } from '../../helpers/fs-checkers.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { makeDecoy, runAndKill, writeDecoy, type Decoy } from '../pipeline/restore-kill.js';
import { lifeboat, resultOf } from '../pipeline/cli-pipeline.js';
import { buildHybridImage, headBytes, MiB, sfdiskTable, type HybridImage } from './hybrid-image.js';

const NEEDS = [
  'root',
  'loop-devices',
  'tool:xorriso',
  'tool:mkfs.fat',
  'tool:mmd',
  'tool:mcopy',
  'tool:mkfs.exfat',
  'tool:sfdisk',
  'tool:sgdisk',
  'tool:blkid',
] as const;
const SECTOR = 512;
const TARGET_BYTES = 192 * MiB;

/** Loop devices a killed write left attached over the target (its data partition's, if it died while formatting). */
async function detachLeftovers(target: string): Promise<void> {
  const { stdout } = await execa('losetup', ['--noheadings', '--output', 'NAME', '--associated', target], { reject: false });
  for (const device of stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean))
    await execa('losetup', ['--detach', device], { reject: false });
}

describeWith([...NEEDS], 'a media write killed at any step leaves a stick that nothing takes for a valid one', () => {
  const scratch = useScratch('all');
  let image: HybridImage;
  let decoy: Decoy;
  let target = { file: '', device: '', name: '' };

  beforeAll(async () => {
    // Large enough that the copy takes far longer than a kill needs to land.
    image = await buildHybridImage(scratch().dir, 'big-live.iso', 96);
    decoy = await makeDecoy(await scratch().sparseFile('decoy.img', TARGET_BYTES));
    const file = await scratch().sparseFile('kill-stick.img', TARGET_BYTES);
    const device = await scratch().attach(file);
    target = { file, device, name: path.basename(device) };
  }, 120_000);

  const args = () => ['media', 'write', '--to', target.device, '--image', image.file, '--yes', '--confirm-target', target.name, '--json'];

  for (const phase of ['clear', 'format', 'data', 'readback'] as const) {
    it(`killed when the ${phase} step starts: no partition table; nothing recognisable until the whole image is in place`, async () => {
      await writeDecoy(target.device, decoy);
      expect((await sfdiskTable(target.device))?.label, 'the decoy GPT is there before').toBe('gpt');
      const run = await runAndKill(args(), { when: (line) => line['type'] === 'progress' && line['phase'] === phase });
      await detachLeftovers(target.device);
      expect(run.trigger, `the run reached the ${phase} step`).not.toBeNull();
      expect(run.killed, 'the run was killed before it finished').toBe(true);

      const written = await headBytes(target.device, image.sizeBytes);
      if (phase === 'clear' && !written.subarray(0, SECTOR).every((b) => b === 0)) {
        // The 'clear' event comes before its writes: a kill that landed first leaves the old disk as it was.
        expect(await sfdiskDump(target.device), 'killed before the clear: the old table, untouched').toBe(decoy.dump);
        return;
      }
      expect(
        written.subarray(0, SECTOR).every((b) => b === 0),
        'sector 0 (MBR and boot code) is all zeros',
      ).toBe(true);
      expect(await sfdiskTable(target.device), 'sfdisk finds no partition table').toBeNull();
      const probe = await execa('blkid', ['-p', '-o', 'export', target.device], { reject: false });
      const original = await headBytes(image.file, image.sizeBytes);
      const wholeImage = written.subarray(SECTOR).equals(original.subarray(SECTOR));
      if (phase === 'readback') {
        // Every image byte after sector 0 is in place (the first MiB, with the ISO's volume
        // descriptors, was written last of them): blkid sees the ISO, but there is still no table.
        expect(wholeImage, 'the image is complete on the stick').toBe(true);
        expect(probe.stdout).toContain('TYPE=iso9660');
        expect(probe.stdout).not.toContain('PTTYPE');
      } else {
        // blkid exits 2 when it finds nothing at all: no table and no filesystem.
        expect(probe.exitCode, `blkid -p found: ${probe.stdout}`).toBe(2);
        if (phase === 'data') expect(wholeImage, 'killed mid-copy: the image is not complete on the stick').toBe(false);
      }
    }, 60_000);
  }

  it('after all those interruptions the same stick is written completely', async () => {
    const run = await lifeboat(...args());
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const result = resultOf(run.stdout);
    expect(result['readbackSha256']).toBe(result['expectedSha256']);
    const table = await sfdiskTable(target.device);
    expect(table?.partitions.map((p) => p.type)).toEqual(['83', 'ef', '7']);
  }, 60_000);
});
