import { open, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { checkFilesystem } from '../../helpers/fs-checkers.js';
import { useScratch } from '../../helpers/loop-device.js';
import { seededBytes } from '../../helpers/populate-fs.js';
import { describeWith } from '../../helpers/requirements.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { compareTrees, treeDigest } from '../../helpers/tree-hash.js';
import { withMount } from '../../helpers/with-mount.js';
import { MiB, lifeboat, resultOf } from '../pipeline/cli-pipeline.js';
import { expectCheckPasses, packBytes, snapshotIds } from './repository-cli.js';

const NEEDS = ['root', 'loop-devices', 'tool:sfdisk', 'tool:mkfs.ext4', 'tool:e2fsck'] as const;
const FILES = 600;
const SEED = 0x1c4e_2026;
const KiB = 1024;

/** Sizes from 32 to 256 KiB: about 84 MiB of incompressible files in ten folders. */
function fileSize(i: number): number {
  return 32 * KiB + ((i * 7919) % 225) * KiB;
}

function fileName(i: number): string {
  return `dir-${i % 10}/file-${i}.bin`;
}

async function capture(device: string, repo: string, chunkSize?: number): Promise<Record<string, unknown>> {
  const run = await lifeboat('capture', '--source', device, '--repo', repo, '--json', ...(chunkSize ? ['--chunk-size', String(chunkSize)] : []));
  expect(run.exitCode, run.stderr + run.stdout.slice(-400)).toBe(0);
  return resultOf(run.stdout);
}

describeWith([...NEEDS], 'snapshots over time in one repository', () => {
  const scratch = useScratch('all');

  it("a second capture after 1% of the files changed stores only a few percent; forget + prune frees the first one's chunks; the second restores whole", async () => {
    const sourceFile = await scratch().sparseFile('incremental-source.img', 128 * MiB);
    await execa('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', sourceFile], { input: 'label: gpt\ntype=linux\n' });
    const source = await scratch().attachPartitioned(sourceFile);
    const partition = `${source}p1`;
    await execa('mkfs.ext4', ['-q', '-F', '-T', 'default', '-E', 'lazy_itable_init=0,lazy_journal_init=0', partition]);
    await withMount(partition, 'ext4', 'rw', async (root) => {
      for (let i = 0; i < FILES; i++) {
        await mkdir(path.dirname(path.join(root, fileName(i))), { recursive: true });
        await writeFile(path.join(root, fileName(i)), seededBytes(i, fileSize(i)));
      }
    });

    // 64 KiB chunks: a changed file costs its own bytes plus at most one chunk of neighbours. The
    // default (1 MiB) chunks are captured too, for the report: there each changed file costs 1 MiB.
    const repo = path.join(scratch().dir, 'repo-64k');
    const repoDefault = path.join(scratch().dir, 'repo-default');
    const first = await capture(source, repo, 64 * KiB);
    const firstDefault = await capture(source, repoDefault);

    const random = seededRandom(SEED);
    const changed = new Set<number>();
    while (changed.size < FILES / 100) changed.add(Math.floor(random() * FILES));
    await withMount(partition, 'ext4', 'rw', async (root) => {
      for (const i of changed) {
        // Same size, new content, written over the old bytes: what an edited document does to a disk.
        const handle = await open(path.join(root, fileName(i)), 'r+');
        try {
          await handle.write(seededBytes(100_000 + i, fileSize(i)), 0, fileSize(i), 0);
        } finally {
          await handle.close();
        }
      }
    });
    await execa('blockdev', ['--flushbufs', partition]);
    const second = await capture(source, repo);
    const secondDefault = await capture(source, repoDefault);
    const percent = (100 * (second['storedBytes'] as number)) / (first['storedBytes'] as number);
    const percentDefault = (100 * (secondDefault['storedBytes'] as number)) / (firstDefault['storedBytes'] as number);
    process.stdout.write(
      `incremental: ${changed.size} of ${FILES} files changed; the second snapshot added ${((second['storedBytes'] as number) / MiB).toFixed(2)} MiB = ${percent.toFixed(2)}% of the first (${((first['storedBytes'] as number) / MiB).toFixed(1)} MiB) with 64 KiB chunks; ${percentDefault.toFixed(1)}% with the default 1 MiB chunks\n`,
    );
    expect(percent).toBeLessThan(5);
    expect(second['reusedChunks'] as number).toBeGreaterThan(0);

    const [firstId, secondId] = await snapshotIds(repo);
    expect([firstId, secondId]).toEqual([first['snapshot'], second['snapshot']]);
    const forgot = await lifeboat('forget', '--repo', repo, '--snapshot', String(firstId).slice(0, 8));
    expect(forgot.exitCode, forgot.stderr).toBe(0);
    expect(await snapshotIds(repo)).toEqual([secondId]);
    expect(await expectCheckPasses(repo, false, 'after forget')).toContain('info:unreferenced');

    const before = await packBytes(repo);
    const pruned = await lifeboat('prune', '--repo', repo, '--json');
    expect(pruned.exitCode, pruned.stderr + pruned.stdout).toBe(0);
    const prune = JSON.parse(pruned.stdout) as { bytesFreed: number; chunksRemoved: number; packsRewritten: number };
    const after = await packBytes(repo);
    process.stdout.write(
      `prune: freed ${(prune.bytesFreed / MiB).toFixed(2)} MiB (${prune.chunksRemoved} chunks, ${prune.packsRewritten} pack(s) rewritten); packs ${(before / MiB).toFixed(2)} -> ${(after / MiB).toFixed(2)} MiB\n`,
    );
    expect(prune.bytesFreed).toBeGreaterThan(0);
    expect(prune.chunksRemoved).toBeGreaterThan(0);
    expect(after).toBe(before - prune.bytesFreed);
    expect(await expectCheckPasses(repo, true, 'after prune')).toEqual([]);

    const targetFile = await scratch().sparseFile('incremental-target.img', 128 * MiB);
    const target = await scratch().attach(targetFile);
    const restored = await lifeboat(
      'restore',
      '--repo',
      repo,
      '--snapshot',
      String(secondId),
      '--target',
      target,
      '--yes',
      '--confirm-target',
      path.basename(target),
      '--json',
    );
    expect(restored.exitCode, restored.stdout.slice(-600) + restored.stderr).toBe(0);
    const fsck = await checkFilesystem(`${target}p1`, 'ext4');
    expect(fsck.ok, fsck.output).toBe(true);
    expect(compareTrees(await treeDigest(partition, 'ext4'), await treeDigest(`${target}p1`, 'ext4'))).toEqual([]);
  }, 300_000);
});
