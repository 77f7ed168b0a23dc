import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { HelperClient } from '../../recovery/helper/helper-client.js';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** A scratch directory removed by cleanup(), with everything attached or mounted inside it undone first. */
export class Scratch {
  /** Loop devices this scratch attached, with the file each was attached to. */
  private readonly loops: Array<{ device: string; file: string }> = [];
  private readonly mounts: string[] = [];

  private constructor(readonly dir: string) {}

  static async create(): Promise<Scratch> {
    return new Scratch(await mkdtemp(path.join(os.tmpdir(), 'lifeboat-test-')));
  }

  /** A sparse file of the given size. */
  async sparseFile(name: string, sizeBytes: number): Promise<string> {
    const file = path.join(this.dir, name);
    await writeFile(file, '');
    await truncate(file, sizeBytes);
    return file;
  }

  /** Attaches a file to a free loop device and remembers it for cleanup. */
  async attach(file: string, options: { readOnly?: boolean; sectorSize?: number } = {}): Promise<string> {
    const args = ['--find', '--show'];
    if (options.readOnly) args.push('--read-only');
    if (options.sectorSize) args.push('--sector-size', String(options.sectorSize));
    const { stdout } = await execa('losetup', [...args, file]);
    const device = stdout.trim();
    this.loops.push({ device, file: path.resolve(file) });
    return device;
  }

  /**
   * Attaches a file that holds a partition table and makes its partition devices (/dev/loopNpM)
   * appear. The kernel here does not scan loop devices, so this goes through the helper's
   * re-read (BLKPG), with sfdisk as the oracle for where the partitions are.
   */
  async attachPartitioned(file: string): Promise<string> {
    const device = await this.attach(file);
    const helper = new HelperClient();
    try {
      await helper.rereadPartitions(device, await sfdiskPartitions(device));
    } finally {
      await helper.close();
    }
    return device;
  }

  /** Detaches one loop device now (the test wants it gone mid-way). */
  async detach(device: string): Promise<void> {
    await execa('losetup', ['--detach', device]);
    this.loops.splice(
      this.loops.findIndex((loop) => loop.device === device),
      1,
    );
  }

  async mount(device: string, name: string, fsType?: string): Promise<string> {
    const target = path.join(this.dir, name);
    await execa('mkdir', ['-p', target]);
    await execa('mount', [...(fsType ? ['-t', fsType] : []), device, target]);
    this.mounts.push(target);
    return target;
  }

  /** Undoes everything, newest first, and keeps going past failures so nothing is left behind. */
  async cleanup(): Promise<void> {
    for (const target of this.mounts.reverse()) await execa('umount', ['--lazy', target], { reject: false });
    for (const { device, file } of this.loops.reverse()) {
      // Tests run in parallel: if this device was freed already (a test detached it, or a killed
      // process's autoclear did), its number may now belong to another test's file. Detach only
      // while it still holds ours.
      const { stdout } = await execa('losetup', ['--noheadings', '--output', 'BACK-FILE', device], { reject: false });
      if (stdout.trim() !== file) continue;
      await execa('partx', ['--delete', device], { reject: false });
      await execa('losetup', ['--detach', device], { reject: false });
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Scratch for the tests of the enclosing describe, created before and cleaned up after each test
 * ('each', the default) or once around all of them ('all'). Returns a getter for the current one.
 */
export function useScratch(scope: 'each' | 'all' = 'each'): () => Scratch {
  let current: Scratch | undefined;
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    current = await Scratch.create();
  });
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('useScratch: the scratch exists only while the tests of its describe run');
    return current;
  };
}

/**
 * A file of `sizeBytes` holding an LVM2 physical volume label written by pvcreate (which needs a
 * block device, so the file is attached to a loop device for the call and detached after).
 */
export async function pvcreateFile(scratch: Scratch, name: string, sizeBytes: number): Promise<string> {
  const file = await scratch.sparseFile(name, sizeBytes);
  const device = await scratch.attach(file);
  // The devices file would record our loop device in the machine's LVM configuration: keep it out.
  await execa('pvcreate', ['--config', 'devices { use_devicesfile = 0 }', '--devices', device, device]);
  await scratch.detach(device);
  return file;
}

const EXTENDED_TYPES = new Set(['5', 'f', '85']);

/**
 * Partitions as `sfdisk --json` reports them: the oracle for what a table holds. An extended
 * partition is given the size the kernel gives it (1 KiB, or one sector when sectors are larger),
 * because the kernel exposes only its first sector(s), as the Linux msdos partition code does.
 */
export async function sfdiskPartitions(device: string): Promise<Array<{ number: number; startBytes: number; sizeBytes: number }>> {
  const { stdout } = await execa('sfdisk', ['--json', device]);
  const table = JSON.parse(stdout) as {
    partitiontable: { sectorsize?: number; partitions?: Array<{ node: string; start: number; size: number; type: string }> };
  };
  const sector = table.partitiontable.sectorsize ?? 512;
  return (table.partitiontable.partitions ?? []).map((p) => ({
    number: Number(/(\d+)$/.exec(p.node)?.[1]),
    startBytes: p.start * sector,
    sizeBytes: EXTENDED_TYPES.has(p.type.toLowerCase()) ? Math.max(1024, sector) : p.size * sector,
  }));
}
