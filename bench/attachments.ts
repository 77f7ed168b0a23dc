/**
 * The loop devices and mounts one bench step made, undone newest first by cleanup(), also after
 * a failure, so an interrupted bench leaves nothing attached. Partitions are attached as loop
 * devices of their own (losetup --offset --sizelimit): the kernel here makes no partition nodes
 * for loop devices, and Clonezilla's tools want a partition device.
 */
import { mkdir } from 'node:fs/promises';
import { execa } from 'execa';

export interface AttachOptions {
  offsetBytes?: number;
  sizeBytes?: number;
  readOnly?: boolean;
}

export class Attachments {
  /** Every instance not yet cleaned up, for cleanupOnSignal(). */
  private static readonly live = new Set<Attachments>();
  private readonly loops: string[] = [];
  private readonly mounts: string[] = [];

  constructor() {
    Attachments.live.add(this);
  }

  /**
   * On Ctrl-C or SIGTERM (Node would exit without running any `finally`): undoes every live
   * instance, runs `alsoDo` (removing the scratch directory), and exits with 130.
   */
  static cleanupOnSignal(alsoDo: () => Promise<void>): void {
    let started = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (started) return;
      started = true;
      console.error(`\n${signal}: unmounting, detaching and removing the bench's files`);
      void (async () => {
        for (const attachments of [...Attachments.live].reverse()) await attachments.cleanup();
        await alsoDo();
        process.exit(130);
      })();
    };
    // `on`, not `once`: execa's signal-exit re-raises the signal (killing us before the cleanup)
    // when it finds itself the only listener left.
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }

  async attach(file: string, options: AttachOptions = {}): Promise<string> {
    const args = ['--find', '--show'];
    if (options.offsetBytes !== undefined) args.push('--offset', String(options.offsetBytes));
    if (options.sizeBytes !== undefined) args.push('--sizelimit', String(options.sizeBytes));
    if (options.readOnly) args.push('--read-only');
    const { stdout } = await execa('losetup', [...args, file]);
    const device = stdout.trim();
    this.loops.push(device);
    return device;
  }

  /** Mounts ext4 with the kernel driver and NTFS with ntfs-3g (the kernel here has no NTFS). */
  async mount(device: string, target: string, filesystem: 'ext4' | 'ntfs'): Promise<string> {
    await mkdir(target, { recursive: true });
    await (filesystem === 'ntfs' ? execa('ntfs-3g', [device, target]) : execa('mount', ['-t', 'ext4', device, target]));
    this.mounts.push(target);
    return target;
  }

  /** Unmounts everything mounted so far (ntfs-3g flushes before umount returns). */
  async unmountAll(): Promise<void> {
    while (this.mounts.length > 0) {
      const target = this.mounts.pop() as string;
      const { failed } = await execa('umount', [target], { reject: false });
      if (failed) await execa('umount', ['--lazy', target], { reject: false });
    }
  }

  async detach(device: string): Promise<void> {
    const at = this.loops.indexOf(device);
    if (at !== -1) this.loops.splice(at, 1);
    await execa('losetup', ['--detach', device], { reject: false });
  }

  async cleanup(): Promise<void> {
    Attachments.live.delete(this);
    await this.unmountAll();
    while (this.loops.length > 0) await execa('losetup', ['--detach', this.loops.pop() as string], { reject: false });
  }
}
