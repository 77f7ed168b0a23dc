import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../recovery/core/errors.js';
import type { ProgressEvent } from '../../../recovery/pipeline/progress.js';
import type { CaptureOutcome, JobIo } from '../../../recovery/ui/backend/types.js';
import { drive, expectFitsConsole, fixtureDisks, KEY, testBackend, type Driven } from './harness.js';

const MiB = 1024 * 1024;

function event(partial: Partial<ProgressEvent>): ProgressEvent {
  return {
    operation: 'capture',
    phase: 'data',
    item: null,
    bytesDone: 0,
    bytesTotal: 0,
    rateBytesPerSecond: 0,
    etaSeconds: null,
    elapsedSeconds: 0,
    ...partial,
  };
}

/** A capture job the test steers: it reports progress when told and ends only when cancelled or failed. */
function steeredCapture() {
  let io: JobIo | null = null;
  let fail: (error: Error) => void = () => undefined;
  let announce: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    announce = resolve;
  });
  return {
    run(given: JobIo): Promise<CaptureOutcome> {
      io = given;
      announce();
      return new Promise<CaptureOutcome>((_resolve, reject) => {
        fail = reject;
        given.signal.addEventListener('abort', () => reject(new LifeboatError('CANCELLED', 'The capture was cancelled; no snapshot was written.')));
      });
    },
    started,
    io: () => io as unknown as JobIo,
    fail: (error: Error) => fail(error),
  };
}

describe('progress, Ctrl-C and errors on the job screens', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-progress-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function startCapture(options: { debug?: boolean } = {}): Promise<{ app: Driven; job: ReturnType<typeof steeredCapture> }> {
    const job = steeredCapture();
    const backend = testBackend(() => fixtureDisks('usb-stick'), { capture: (_job, io) => job.run(io) });
    const app = drive({ backend, initialRoute: 'capture', debug: options.debug ?? false });
    await app.waitFor('/dev/vda');
    await app.press('7', KEY.enter); // /dev/vda, the whole disk
    await app.waitFor('Type a folder path...');
    await app.highlight('Type a folder path...');
    await app.press(KEY.enter);
    await app.waitFor('Tab: complete');
    await app.type(path.join(dir, `repo-${Math.random().toString(16).slice(2)}`));
    await app.press(KEY.enter);
    await app.waitFor('Step 3 of 5');
    await app.press(KEY.enter);
    await app.waitFor('Start the capture');
    await app.press(KEY.enter);
    await job.started;
    return { app, job };
  }

  it('shows the overall and per-partition bars, rate, time left and elapsed, in ASCII within 80x25', async () => {
    const { app, job } = await startCapture();
    expect(await app.waitFor('Reading the partition table and filesystems...')).toMatch(/^[|/\-\\] Reading/m);
    job.io().onProgress(
      event({
        phase: 'data',
        bytesDone: 30 * MiB,
        bytesTotal: 120 * MiB,
        rateBytesPerSecond: 15 * MiB,
        etaSeconds: 6,
        item: { index: 2, count: 3, label: 'partition 5 (ext4 "data")', bytesDone: 10 * MiB, bytesTotal: 40 * MiB },
      }),
    );
    const frame = await app.waitFor('This part');
    expect(frame).toContain('Step 1 of 2: Reading, compressing and storing used data');
    expect(frame).toContain(`Overall    [${'#'.repeat(6)}${'.'.repeat(44)}]  12%`);
    expect(frame).toContain('partition 5 (ext4 "data")  (2 of 3)');
    expect(frame).toContain(`This part  [${'#'.repeat(13)}${'.'.repeat(37)}]  25%`);
    expect(frame).toContain('Done       30.0 MiB of 120.0 MiB');
    expect(frame).toContain('Rate       15.0 MiB/s');
    expect(frame).toMatch(/Time left {2}00:06 +Elapsed 00:0\d/);
    expect(frame).toContain('Ctrl-C: stop');
    expectFitsConsole(frame);
    // The check after the capture is the second half of the overall bar.
    job.io().onProgress(event({ operation: 'verify', phase: 'readback', bytesDone: 60 * MiB, bytesTotal: 120 * MiB }));
    expect(await app.waitFor('Step 2 of 2')).toContain(`Overall    [${'#'.repeat(38)}${'.'.repeat(12)}]  75%`);
    app.unmount();
  });

  it('redraws at a steady pace however fast the engine reports', async () => {
    const { app, job } = await startCapture();
    await app.waitFor('Reading the partition table');
    // Every frame Ink writes is recorded (no sampling, which would depend on the machine's speed).
    const from = app.frames().length;
    for (let i = 1; i <= 5000; i++) job.io().onProgress(event({ bytesDone: i * 1000, bytesTotal: 5_000_000 }));
    await app.waitFor('100%');
    const drawn = app.frames().slice(from);
    const upTo = drawn.findIndex((f) => f.includes('100%'));
    // 5000 events, yet no frame showed any of them until the steady timer drew the latest one.
    expect(drawn.slice(0, upTo).filter((f) => f.includes('Done '))).toEqual([]);
    expect(drawn[upTo]).toContain('Done       4.8 MiB of 4.8 MiB');
    app.unmount();
  });

  it('Ctrl-C asks first; "n" keeps going, "y" cancels through the engine and says it stopped', async () => {
    const { app, job } = await startCapture();
    await app.waitFor('Reading the partition table');
    await app.press(KEY.ctrlC);
    const asking = await app.waitFor('Stop the capture?');
    expect(asking).toContain('No snapshot is written');
    expect(asking).toContain('y: yes, stop   n: no, keep going');
    expectFitsConsole(asking);
    expect(app.exited()).toBeNull();
    await app.type('n');
    await app.waitFor((f) => !f.includes('Stop the capture?'));
    expect(job.io().signal.aborted).toBe(false);
    await app.press(KEY.ctrlC);
    await app.waitFor('Stop the capture?');
    await app.type('y');
    const stopped = await app.waitFor('Stopped as you asked.');
    expect(job.io().signal.aborted).toBe(true);
    expect(stopped).toContain('The capture was cancelled; no snapshot was written.');
    expect(stopped).toContain('[CANCELLED]');
    expect(app.exited()).toBeNull();
    expectFitsConsole(stopped);
    app.unmount();
  });

  it('an engine error shows its sentence and code; --debug adds where it came from', async () => {
    for (const debug of [false, true]) {
      const { app, job } = await startCapture({ debug });
      await app.waitFor('Reading the partition table');
      job.fail(new LifeboatError('REPOSITORY_LOCKED', 'Another capture (pid 42 on pc-7, since 10:02) is writing to this repository; wait for it to finish.'));
      const shown = await app.waitFor('[REPOSITORY_LOCKED]');
      expect(shown.replace(/\s+/g, ' ')).toContain(
        'It did not work. Another capture (pid 42 on pc-7, since 10:02) is writing to this repository; wait for it to finish.',
      );
      if (debug) expect(shown).toMatch(/^at .*progress-and-cancel\.test\.tsx/m);
      else expect(shown).toContain('start Lifeboat with --debug for details');
      expect(shown).toContain('Back to the summary, to try again');
      expectFitsConsole(shown);
      app.unmount();
    }
  });
});
