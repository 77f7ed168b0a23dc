/**
 * Waiting for a condition, never for a time: a test polls until what it needs is true, with a
 * deadline generous enough for a loaded machine (a mount or a server that takes 2 s on a laptop can
 * take 30 s on a busy CI runner). Only a condition that never comes fails, and the error names it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The default deadline of a poll: long enough that only a condition that never comes reaches it. */
export const POLL_DEADLINE_MS = 120_000;

export interface PollOptions {
  /** Give up after this long (default POLL_DEADLINE_MS). */
  deadlineMs?: number;
  /** Pause between two checks. */
  intervalMs?: number;
  /** Checked after each failed check: a reason to stop at once (the daemon exited), or null to go on. */
  hopeless?: () => string | null | Promise<string | null>;
}

/**
 * Resolves as soon as `check` returns true; throws "timed out after N s waiting for <what>" at the
 * deadline, or "gave up waiting for <what>: <reason>" when `hopeless` says the wait is pointless.
 */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, options: PollOptions = {}): Promise<void> {
  const deadlineMs = options.deadlineMs ?? POLL_DEADLINE_MS;
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    const reason = options.hopeless ? await options.hopeless() : null;
    if (reason !== null) throw new Error(`gave up waiting for ${what}: ${reason}`);
    if (Date.now() > until) throw new Error(`timed out after ${Math.round(deadlineMs / 1000)} s waiting for ${what}`);
    await sleep(options.intervalMs ?? 25);
  }
}
