import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { useScratch } from '../../helpers/loop-device.js';
import { startRecordingDevice } from '../../helpers/power-cut-device.js';
import { readWriteLog, type WriteLog } from '../../helpers/power-cut-log.js';
import { describeWith } from '../../helpers/requirements.js';
import { MiB } from '../pipeline/cli-pipeline.js';

const NEEDS = ['root', 'loop-devices', 'fuse', 'tool:mkfs.ext4', 'tool:gcc', 'tool:pkg-config', 'tool:fusermount3'] as const;

/** Index in log order of the first write whose data contains `marker`, and of the first barrier after it. */
function writeThenBarrier(log: WriteLog, marker: Buffer): { epoch: number } | null {
  for (let epoch = 0; epoch < log.epochs.length; epoch++) {
    if ((log.epochs[epoch] ?? []).some((w) => w.data.includes(marker))) return epoch < log.barrierAt.length ? { epoch } : null;
  }
  return null;
}

describeWith([...NEEDS], 'the power-cut harness records what the kernel sends to a disk', () => {
  const scratch = useScratch();

  it('logs every write and every flush: fsync of the raw device and ext4 journal commits arrive as barriers, and the log replayed on the first image gives the last', async () => {
    const image = await scratch().sparseFile('recorded.img', 32 * MiB);
    const recording = await startRecordingDevice(scratch(), image);
    const rawMarker = Buffer.from('raw-device-write-before-fsync');
    const fileMarker = Buffer.from('file-data-before-ext4-commit');
    const mountpoint = path.join(scratch().dir, 'recorded-fs');
    let mounted = false;
    let marks: number[] = [];
    try {
      // 1. A buffered write to the raw device, then fsync(2): writeback, then one flush.
      const before = await recording.logBytes();
      const handle = await open(recording.device, 'r+');
      try {
        await handle.write(Buffer.concat([rawMarker, Buffer.alloc(4096 - rawMarker.length)]), 0, 4096, 20 * MiB);
        await handle.sync();
      } finally {
        await handle.close();
      }
      marks = [before, await recording.logBytes()];
      // 2. ext4 on it: a file's data, fsync, so its journal commit must flush the device.
      await execa('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', recording.device]);
      await execa('mkdir', ['-p', mountpoint]);
      await execa('mount', ['-t', 'ext4', '-o', 'commit=600', recording.device, mountpoint]);
      mounted = true;
      marks.push(await recording.logBytes());
      const file = await open(path.join(mountpoint, 'data.bin'), 'w');
      try {
        await file.write(Buffer.concat(Array.from({ length: 2048 }, () => fileMarker)));
        await file.sync();
      } finally {
        await file.close();
      }
      marks.push(await recording.logBytes());
    } finally {
      if (mounted) await execa('umount', [mountpoint], { reject: false });
      await recording.stop();
    }
    const log = await readWriteLog(recording.logFile);
    const barriersIn = (from: number, to: number) => log.barrierAt.filter((at) => at >= from && at < to).length;
    expect(barriersIn(marks[0] as number, marks[1] as number), 'fsync of the raw device reached the FUSE server as a barrier').toBeGreaterThanOrEqual(1);
    expect(writeThenBarrier(log, rawMarker), 'the raw write is logged before a barrier').not.toBeNull();
    expect(barriersIn(marks[2] as number, marks[3] as number), 'fsync of a file on ext4 flushed the device (journal commit)').toBeGreaterThanOrEqual(1);
    expect(writeThenBarrier(log, fileMarker), 'the file data is logged before a barrier').not.toBeNull();
    // Complete: the first image with every logged write applied, in order, is the image the server left.
    const replayed = await readFile(recording.initialImage);
    for (const w of log.epochs.flat()) w.data.copy(replayed, w.offsetBytes);
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(digest(replayed)).toBe(digest(await readFile(image)));
    process.stdout.write(
      `power-cut recording device: raw fsync gave ${barriersIn(marks[0] as number, marks[1] as number)} barrier(s), an ext4 file fsync ${barriersIn(marks[2] as number, marks[3] as number)}; ${log.epochs.flat().length} writes and ${log.barrierAt.length} barriers in all\n`,
    );
  }, 120_000);
});
