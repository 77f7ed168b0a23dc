/**
 * The two CLI consumers of the engine's progress model: JSON lines on stdout (--json, schema in
 * docs/progress-json.md) and a human progress line on stderr. On a terminal the line redraws in
 * place; piped, a line is printed every few seconds and at each phase change so logs stay short.
 */
import { formatBytes } from '../core/format-bytes.js';
import { formatDuration } from '../core/format-duration.js';
import type { ProgressEvent } from '../pipeline/progress.js';

export const PROGRESS_SCHEMA = 'lifeboat.progress/1';

export interface Printer {
  progress(event: ProgressEvent): void;
  warning(sentence: string): void;
  /** Free-form lines for a person (text mode) or one typed JSON object (json mode). */
  info(lines: string[], json: Record<string, unknown>): void;
  result(lines: string[], json: Record<string, unknown>): void;
}

export function jsonPrinter(write: (text: string) => void = (text) => process.stdout.write(text)): Printer {
  const line = (type: string, body: Record<string, unknown>) => write(`${JSON.stringify({ schema: PROGRESS_SCHEMA, type, ...body })}\n`);
  return {
    progress: (event) => line('progress', { ...event }),
    warning: (message) => line('warning', { message }),
    info: (_lines, { type, ...rest }) => line(typeof type === 'string' ? type : 'info', rest),
    result: (_lines, json) => line('result', json),
  };
}

export { formatDuration };

/** "data  42% [########........] 1.2 GiB/2.9 GiB  180.3 MiB/s  ETA 00:09  partition 2 (ntfs)" */
export function progressLine(event: ProgressEvent, width = 80): string {
  const fraction = event.bytesTotal > 0 ? Math.min(1, event.bytesDone / event.bytesTotal) : event.phase === 'done' ? 1 : 0;
  const barWidth = 20;
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const parts = [
    event.phase.padEnd(8),
    `${String(Math.floor(fraction * 100)).padStart(3)}%`,
    bar,
    `${formatBytes(event.bytesDone)}/${formatBytes(event.bytesTotal)}`,
    `${formatBytes(event.rateBytesPerSecond)}/s`,
    `ETA ${formatDuration(event.etaSeconds)}`,
  ];
  const text = `${parts.join(' ')}${event.item ? `  ${event.item.label}` : ''}`;
  return text.length > width - 1 ? text.slice(0, width - 1) : text;
}

export function textPrinter(stream: NodeJS.WriteStream = process.stderr, out: NodeJS.WriteStream = process.stdout): Printer {
  const live = stream.isTTY === true;
  let lastPhase = '';
  let lastPrintMs = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    progress(event) {
      const now = Date.now();
      if (live) {
        stream.write(`\r\x1b[2K${progressLine(event, stream.columns ?? 80)}`);
        drawn = true;
        if (event.phase === 'done') clear();
        return;
      }
      const changed = event.phase !== lastPhase;
      if (event.phase === 'done' || (!changed && now - lastPrintMs < 5000)) return;
      lastPhase = event.phase;
      lastPrintMs = now;
      stream.write(`${progressLine(event)}\n`);
    },
    warning(sentence) {
      clear();
      stream.write(`warning: ${sentence}\n`);
    },
    info(lines) {
      clear();
      for (const text of lines) out.write(`${text}\n`);
    },
    result(lines) {
      clear();
      for (const text of lines) out.write(`${text}\n`);
    },
  };
}
