/** Pure helpers that turn the engine's progress events into the words and bars the screens show. */
import type { Operation, Phase, ProgressEvent } from '../pipeline/progress.js';
import type { Glyphs } from './glyphs.js';

const ORDER: Phase[] = ['analyze', 'precheck', 'clear', 'format', 'discard', 'data', 'rescue', 'table', 'flush', 'readback', 'grow', 'done'];

export function bar(fraction: number, width: number, glyphs: Glyphs): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${glyphs.barFilled.repeat(filled)}${glyphs.barEmpty.repeat(width - filled)}]`;
}

export function percent(fraction: number): string {
  return `${String(Math.floor(Math.max(0, Math.min(1, fraction)) * 100)).padStart(3)}%`;
}

export function phaseFraction(event: ProgressEvent): number {
  if (event.bytesTotal > 0) return Math.min(1, event.bytesDone / event.bytesTotal);
  return event.phase === 'done' ? 1 : 0;
}

/**
 * The whole job's fraction: the long phases (`planned`, each about as long as the used data) in
 * order, with the current one counted by its bytes. Short phases (clearing, the table) count as
 * the long phase before them being complete.
 */
export function overallFraction(event: ProgressEvent, planned: readonly Phase[]): number {
  if (planned.length === 0) return phaseFraction(event);
  const at = ORDER.indexOf(event.phase);
  const completed = planned.filter((phase) => ORDER.indexOf(phase) < at).length;
  const current = planned.includes(event.phase) ? phaseFraction(event) : 0;
  return Math.min(1, (completed + current) / planned.length);
}

/** "Step 2 of 3" among the planned phases (short phases belong to the step before them). */
export function stepOf(event: ProgressEvent, planned: readonly Phase[]): { number: number; count: number } {
  const at = ORDER.indexOf(event.phase);
  const reached = planned.filter((phase) => ORDER.indexOf(phase) <= at).length;
  return { number: Math.max(1, Math.min(planned.length, reached)), count: planned.length };
}

export function phaseWords(operation: Operation, phase: Phase): string {
  switch (phase) {
    case 'analyze':
      return 'Reading the partition table and filesystems';
    case 'precheck':
      return 'Checking every chunk of the image before writing';
    case 'clear':
      return 'Clearing the old partition table';
    case 'data':
      return operation === 'capture' ? 'Reading, compressing and storing used data' : operation === 'clone' ? 'Copying used data' : 'Writing used data';
    case 'table':
      return 'Writing the partition table';
    case 'flush':
      return 'Flushing; the system re-reads the partition table';
    case 'readback':
      return operation === 'verify' || operation === 'capture' ? 'Checking every chunk of the image' : 'Reading back and comparing';
    case 'discard':
      return 'Telling the disk which areas hold nothing (TRIM)';
    case 'rescue':
      return 'Retrying unreadable areas with smaller reads';
    case 'grow':
      return 'Growing the last partition and checking it';
    case 'format':
      return "Making the data partition's filesystem";
    case 'done':
      return 'Finishing';
  }
}
