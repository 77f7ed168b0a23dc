import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { MEDIA_POINTS } from '../../../recovery/core/failpoints/media-points.js';
import { DATA_LABEL } from '../../../recovery/media/medium-plan.js';
import { sfdiskDump } from '../../helpers/fs-checkers.js';
import { useScratch } from '../../helpers/loop-device.js';
import { describeWith } from '../../helpers/requirements.js';
import { lifeboat, lifeboatAt, resultOf, sha256File } from '../pipeline/cli-pipeline.js';
import { makeDecoy, writeDecoy, type Decoy } from '../pipeline/restore-kill.js';
import { buildHybridImage, headBytes, headSha256, MiB, sfdiskTable, withOffsetLoop, type HybridImage } from './hybrid-image.js';

const NEEDS = [
  'root',
  'loop-devices',
  'tool:xorriso',
  'tool:mkfs.fat',
  'tool:mmd',
  'tool:mcopy',
  'tool:mkfs.exfat',
  'tool:fsck.exfat',
  'tool:sfdisk',
  'tool:sgdisk',
  'tool:blkid',
] as const;
const SECTOR = 512;
const TARGET_BYTES = 128 * MiB;
/** MBR entry 3 (the data partition's): the only bytes of the image's extent that differ on a written stick. */
const ENTRY_3 = { start: 446 + 32, end: 446 + 48 };

/**
 * What a stick can look like after a kill: the old disk as it was; blank (no table, nothing blkid
 * knows); the whole image without sector 0 (blkid sees an ISO 9660, but there is no partition
 * table and no boot code, so no firmware boots it); or complete. Anything else is 'other'.
 */
type StickState = 'untouched' | 'blank' | 'image-without-table' | 'complete' | 'other';

/** What a kill at each point leaves; a point added without an entry here may leave any state but 'other'. */
const EXPECTED: Record<string, StickState> = {
  'media.after-clear': 'blank',
  'media.after-format': 'blank',
  'media.after-body': 'blank',
  'media.after-readback': 'image-without-table',
  'media.after-table': 'complete',
};

/** Loop devices a killed write left attached over the target (its data partition's, had it died while formatting). */
async function detachLeftovers(target: string): Promise<void> {
  const { stdout } = await execa('losetup', ['--noheadings', '--output', 'NAME', '--associated', target], { reject: false });
  for (const device of stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean))
    await execa('losetup', ['--detach', device], { reject: false });
}

describeWith([...NEEDS], 'a media write killed at any failpoint leaves a stick nothing boots or takes for a valid one, or a complete one', () => {
  const scratch = useScratch('all');
  let image: HybridImage;
  let imageBytes: Buffer;
  let decoy: Decoy;
  let target = { file: '', device: '', name: '' };

  beforeAll(async () => {
    image = await buildHybridImage(scratch().dir, 'crash-live.iso', 8);
    imageBytes = await readFile(image.file);
    decoy = await makeDecoy(await scratch().sparseFile('decoy.img', TARGET_BYTES));
    const file = await scratch().sparseFile('crash-stick.img', TARGET_BYTES);
    const device = await scratch().attach(file);
    target = { file, device, name: path.basename(device) };
  }, 120_000);

  const args = () => ['media', 'write', '--to', target.device, '--image', image.file, '--yes', '--confirm-target', target.name, '--json'];

  /** The image byte for byte but MBR entry 3, partitions 83, ef and an exFAT 7 behind them, read by other tools than Lifeboat. */
  async function completeProblems(): Promise<string[]> {
    const problems: string[] = [];
    const written = await headBytes(target.device, image.sizeBytes);
    for (let i = 0; i < imageBytes.length; i++) {
      if (written[i] !== imageBytes[i] && !(i >= ENTRY_3.start && i < ENTRY_3.end)) {
        problems.push(`byte ${i} differs from the image`);
        break;
      }
    }
    const table = await sfdiskTable(target.device);
    const types = table?.partitions.map((p) => p.type) ?? [];
    if (table?.label !== 'dos' || types.join(',') !== '83,ef,7') return [...problems, `table ${table?.label} with types ${types.join(',')}`];
    const data = table.partitions[2] as { start: number; size: number };
    await withOffsetLoop(target.device, data.start * SECTOR, data.size * SECTOR, async (device) => {
      const check = await execa('fsck.exfat', ['-n', device], { reject: false, all: true });
      if (check.exitCode !== 0) problems.push(`fsck.exfat: ${check.all}`);
      const probe = await execa('blkid', ['-p', '-o', 'export', device], { reject: false });
      if (!probe.stdout.includes('TYPE=exfat') || !probe.stdout.includes(`LABEL=${DATA_LABEL}`)) problems.push(`data partition: ${probe.stdout}`);
    });
    const probe = await execa('blkid', ['-p', '-o', 'export', target.device], { reject: false });
    if (!probe.stdout.includes('TYPE=iso9660') || !probe.stdout.includes('PTTYPE=dos')) problems.push(`blkid -p: ${probe.stdout}`);
    return problems;
  }

  async function stickState(): Promise<{ state: StickState; detail: string }> {
    const table = await sfdiskTable(target.device);
    const written = await headBytes(target.device, image.sizeBytes);
    const probe = await execa('blkid', ['-p', '-o', 'export', target.device], { reject: false });
    if (table !== null) {
      if ((await sfdiskDump(target.device)) === decoy.dump) return { state: 'untouched', detail: '' };
      const problems = await completeProblems();
      return problems.length === 0
        ? { state: 'complete', detail: '' }
        : { state: 'other', detail: `a table, but not a complete stick: ${problems.join('; ')}` };
    }
    if (!written.subarray(0, SECTOR).every((b) => b === 0)) return { state: 'other', detail: 'no table, but sector 0 holds boot code or an MBR' };
    // blkid exits 2 when it finds nothing at all: no table and no filesystem.
    if (probe.exitCode === 2) return { state: 'blank', detail: '' };
    const wholeImage = written.subarray(SECTOR).equals(imageBytes.subarray(SECTOR));
    if (wholeImage && probe.stdout.includes('TYPE=iso9660') && !probe.stdout.includes('PTTYPE')) return { state: 'image-without-table', detail: '' };
    return { state: 'other', detail: `no table; the image is ${wholeImage ? '' : 'not '}complete; blkid -p found: ${probe.stdout}` };
  }

  it('killed at every point, then written again: the stick is never half-valid, and the rewrite checks out', async () => {
    const started = Date.now();
    const seen: string[] = [];
    for (const point of MEDIA_POINTS) {
      for (const hit of point.repeats ? [1, 2] : [1]) {
        const what = `${point.name}:${hit}`;
        await writeDecoy(target.device, decoy);
        expect((await sfdiskTable(target.device))?.label, `${what}: the decoy GPT is there before`).toBe('gpt');
        const run = await lifeboatAt(point.name, hit, ...args());
        await detachLeftovers(target.device);
        expect(run.signal, `${what}: the run reached the point and died by SIGKILL (exit ${run.exitCode}): ${run.stdout.slice(-400)}`).toBe('SIGKILL');
        const { state, detail } = await stickState();
        expect(state, `${what}: ${detail}`).not.toBe('other');
        const expected = EXPECTED[point.name];
        if (expected) expect(state, `${what}: the state a kill here leaves`).toBe(expected);

        // Media write has no resume: it is run again from the start, and must give a complete stick.
        const again = await lifeboat(...args());
        expect(again.exitCode, `${what}: written again\n${again.stdout.slice(-600)}${again.stderr}`).toBe(0);
        const result = resultOf(again.stdout);
        expect(result['imageSha256']).toBe(await sha256File(image.file));
        expect(result['readbackSha256']).toBe(result['expectedSha256']);
        expect(await headSha256(target.device, image.sizeBytes), `${what}: the stick's first image-size bytes, hashed by the test`).toBe(
          result['readbackSha256'],
        );
        expect(await completeProblems(), `${what}: the stick written again`).toEqual([]);
        seen.push(`${what}=${state}`);
      }
    }
    console.info(`media write crash test: ${seen.length} (point, hit) pairs in ${((Date.now() - started) / 1000).toFixed(1)} s: ${seen.join(' ')}`);
  }, 240_000);
});
