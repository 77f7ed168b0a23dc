/**
 * The terminal's input as Ink should see it: an escape sequence split across two reads is put back
 * together. Ink reads a chunk that ends inside a sequence as a lone Esc on its very next turn, so an
 * arrow key whose bytes a serial line (QEMU's 16-byte FIFO, a USB-serial adapter) delivers in two
 * pieces became Esc (go back!) plus "[B". Here the unfinished tail waits up to HOLD_MS for the rest;
 * a real Esc key press is passed on after that pause.
 */
import { PassThrough } from 'node:stream';

export const HOLD_MS = 50;

/** An escape sequence that has started but not ended: ESC, ESC [ params, ESC O, ESC [ [ (Linux F-keys). */
const UNFINISHED = /\x1b(?:\[\[?[0-9;?]*|O)?$/;

/** Splits a chunk into what can go now and an unfinished escape sequence at its end. */
export function splitUnfinishedEscape(text: string): [ready: string, held: string] {
  const found = UNFINISHED.exec(text);
  return found ? [text.slice(0, found.index), found[0]] : [text, ''];
}

type TtyInput = NodeJS.ReadStream & { setRawMode?: (mode: boolean) => unknown };

export class EscapeHoldingStdin extends PassThrough {
  readonly isTTY: boolean;
  private held = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer | string) => this.accept(chunk.toString());

  constructor(
    private readonly source: TtyInput,
    private readonly holdMs = HOLD_MS,
  ) {
    super({ encoding: 'utf8' });
    this.isTTY = source.isTTY === true;
    source.on('data', this.onData);
    // A stream paused by an earlier round's detach() stays paused when a listener is added.
    source.resume();
  }

  setRawMode(mode: boolean): this {
    this.source.setRawMode?.(mode);
    return this;
  }

  ref(): this {
    this.source.ref();
    return this;
  }

  unref(): this {
    this.source.unref();
    return this;
  }

  /** Stops listening to the terminal and lets the process exit. */
  detach(): void {
    clearTimeout(this.timer);
    this.source.off('data', this.onData);
    this.source.pause();
  }

  private accept(text: string): void {
    clearTimeout(this.timer);
    const [ready, held] = splitUnfinishedEscape(this.held + text);
    this.held = held;
    if (ready) this.write(ready);
    if (held) {
      this.timer = setTimeout(() => {
        const lone = this.held;
        this.held = '';
        if (lone) this.write(lone);
      }, this.holdMs);
    }
  }
}
