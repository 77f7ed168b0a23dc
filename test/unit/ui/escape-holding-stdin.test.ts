/**
 * Arrow keys split across two reads, as a serial line delivers them, must reach Ink whole; a real
 * Esc press must still arrive, a moment later. The hold is a timer, so these tests run on Vitest's
 * fake clock: the gaps between reads are exact, whatever the machine is doing meanwhile.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EscapeHoldingStdin, splitUnfinishedEscape } from '../../../recovery/ui/escape-holding-stdin.js';

function terminal(): NodeJS.ReadStream {
  const source = new PassThrough() as unknown as NodeJS.ReadStream & { isTTY: boolean };
  source.isTTY = true;
  return source;
}

function collect(stream: EscapeHoldingStdin): Array<{ text: string; atMs: number }> {
  const started = Date.now();
  const seen: Array<{ text: string; atMs: number }> = [];
  stream.on('data', (chunk: string) => seen.push({ text: chunk, atMs: Date.now() - started }));
  return seen;
}

/** Lets `ms` pass on the fake clock, running the timers and stream callbacks due meanwhile. */
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('escape sequences split across reads', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('finds the unfinished tail of a chunk', () => {
    expect(splitUnfinishedEscape('ab\x1b')).toEqual(['ab', '\x1b']);
    expect(splitUnfinishedEscape('\x1b[B\x1b[')).toEqual(['\x1b[B', '\x1b[']);
    expect(splitUnfinishedEscape('\x1b[1;5')).toEqual(['', '\x1b[1;5']);
    expect(splitUnfinishedEscape('\x1bO')).toEqual(['', '\x1bO']);
    expect(splitUnfinishedEscape('\x1b[[')).toEqual(['', '\x1b[[']);
    expect(splitUnfinishedEscape('\x1b[B')).toEqual(['\x1b[B', '']);
    expect(splitUnfinishedEscape('q')).toEqual(['q', '']);
  });

  it('joins an arrow key cut after ESC [ and passes it on whole', async () => {
    const source = terminal();
    const input = new EscapeHoldingStdin(source, 50);
    const seen = collect(input);
    source.write('\x1b[B\x1b[B\x1b[');
    // The rest arrives 1 ms before the hold would end.
    await wait(49);
    expect(seen.map((s) => s.text).join('')).toBe('\x1b[B\x1b[B');
    source.write('B\r');
    await wait(80);
    expect(seen.map((s) => s.text).join('')).toBe('\x1b[B\x1b[B\x1b[B\r');
    expect(seen.every((s) => !/^\x1b\[?$/.test(s.text))).toBe(true);
    input.detach();
  });

  it('passes a lone Esc on after the hold time', async () => {
    const source = terminal();
    const input = new EscapeHoldingStdin(source, 40);
    const seen = collect(input);
    source.write('\x1b');
    await wait(39);
    expect(seen).toEqual([]);
    await wait(80);
    expect(seen.map((s) => s.text)).toEqual(['\x1b']);
    // Date is faked too: the Esc went on exactly when the hold ended, not a moment before.
    expect(seen[0]!.atMs).toBe(40);
    input.detach();
  });

  it('reports the terminal as a TTY and passes raw mode on to it', () => {
    const source = terminal();
    const modes: boolean[] = [];
    Object.assign(source, { setRawMode: (mode: boolean) => modes.push(mode) });
    const input = new EscapeHoldingStdin(source);
    expect(input.isTTY).toBe(true);
    input.setRawMode(true).setRawMode(false);
    expect(modes).toEqual([true, false]);
    input.detach();
  });
});
