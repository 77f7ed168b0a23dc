import { useCallback, useEffect, useRef, useState } from 'react';
import { toLifeboatError, type LifeboatError } from '../core/errors.js';
import type { ProgressEvent } from '../pipeline/progress.js';
import type { JobIo } from './backend/types.js';

export type JobStatus<T> = { status: 'running' } | { status: 'done'; result: T } | { status: 'failed'; error: LifeboatError };

export interface JobView<T> {
  state: JobStatus<T>;
  /** The latest progress event, refreshed at the screen's pace (REFRESH_MS), not the engine's. */
  event: ProgressEvent | null;
  warnings: string[];
  elapsedSeconds: number;
  /** Counts refreshes: drives spinners. */
  tick: number;
  cancelRequested: boolean;
  cancel: () => void;
}

/** 5 redraws a second: smooth enough for bars, cheap on a serial console. */
export const REFRESH_MS = 200;

/** Jobs running now, and when each has settled, so a SIGTERM or a hang-up can stop them safely (run-tui.ts). */
const running = new Map<AbortController, Promise<unknown>>();

/** Asks every running job to stop at its next chunk and resolves when all have ended. */
export async function stopRunningJobs(): Promise<void> {
  for (const controller of running.keys()) controller.abort();
  await Promise.allSettled([...running.values()]);
}

/**
 * Runs one engine job for the life of the screen: starts it once, keeps its latest progress in a
 * ref (events can come faster than a terminal should redraw) and copies it to the screen on a
 * steady timer. Leaving the screen while the job runs cancels it.
 */
export function useJob<T>(start: (io: JobIo) => Promise<T>): JobView<T> {
  const [state, setState] = useState<JobStatus<T>>({ status: 'running' });
  const [event, setEvent] = useState<ProgressEvent | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [tick, setTick] = useState(0);
  const [cancelRequested, setCancelRequested] = useState(false);
  const latest = useRef<ProgressEvent | null>(null);
  const controller = useRef(new AbortController());
  const startedAt = useRef(Date.now());
  const [elapsedSeconds, setElapsed] = useState(0);

  useEffect(() => {
    let live = true;
    const abort = controller.current;
    const timer = setInterval(() => {
      setTick((n) => n + 1);
      setElapsed((Date.now() - startedAt.current) / 1000);
      setEvent((shown) => (shown === latest.current ? shown : latest.current));
    }, REFRESH_MS);
    const io: JobIo = {
      signal: abort.signal,
      onProgress: (next) => {
        // A job of two pipelines (capture, then its check) must not flash "done" in between.
        if (next.phase !== 'done') latest.current = next;
      },
      onWarning: (sentence) => live && setWarnings((all) => [...all, sentence]),
    };
    const settled = start(io)
      .then(
        (result) => live && setState({ status: 'done', result }),
        (error: unknown) => live && setState({ status: 'failed', error: toLifeboatError(error) }),
      )
      .finally(() => {
        running.delete(abort);
        clearInterval(timer);
        if (live) setElapsed((Date.now() - startedAt.current) / 1000);
      });
    running.set(abort, settled);
    return () => {
      live = false;
      abort.abort();
      clearInterval(timer);
    };
    // The job starts once per screen.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const cancel = useCallback(() => {
    setCancelRequested(true);
    controller.current.abort();
  }, []);
  return { state, event, warnings, elapsedSeconds, tick, cancelRequested, cancel };
}
