import { Box, Text } from 'ink';
import { useEffect, useState, type ReactNode } from 'react';
import type { LifeboatError } from '../../core/errors.js';
import type { Phase } from '../../pipeline/progress.js';
import { useAppServices, type HelpText } from '../app-context.js';
import type { JobIo } from '../backend/types.js';
import { isCtrlC, useScreenInput } from '../use-screen-input.js';
import { useJob } from '../use-job.js';
import { ErrorView } from './ErrorView.js';
import { Frame } from './Frame.js';
import { ProgressView } from './ProgressView.js';
import { SelectList, type ListItem } from './SelectList.js';
import { Line } from './Line.js';

export type JobEnd<T> = { result: T; error?: undefined } | { result?: undefined; error: LifeboatError };

export interface JobScreenProps<T> {
  title: string;
  start: (io: JobIo) => Promise<T>;
  planned: readonly Phase[];
  /** "Stop the restore?" */
  stopQuestion: string;
  /** What stopping leaves behind, in a sentence the person can weigh. */
  stopConsequence: string;
  renderResult: (result: T) => ReactNode;
  /** Choices under the result (default: back to the main menu). */
  resultActions?: (end: JobEnd<T>) => ListItem[];
  onAction: (key: string, end: JobEnd<T>) => void;
  help: HelpText;
}

const HOME: ListItem = { key: 'home', label: 'Back to the main menu' };

/**
 * Runs a job and shows its progress, then its result or error. Ctrl-C asks first, then cancels
 * through the engine's AbortSignal (it stops at the next chunk and cleans up); Esc does nothing
 * while the job runs, because walking away from a half-written disk is not "back".
 */
export function JobScreen<T>({ title, start, planned, stopQuestion, stopConsequence, renderResult, resultActions, onAction, help }: JobScreenProps<T>) {
  const { setBusy, debug, glyphs } = useAppServices();
  const job = useJob(start);
  const [asking, setAsking] = useState(false);
  const running = job.state.status === 'running';
  useEffect(() => {
    setBusy(running);
    return () => setBusy(false);
  }, [running, setBusy]);

  useScreenInput((input, key) => {
    if (!running) return;
    if (asking) {
      if (input === 'y' || input === 'Y') {
        setAsking(false);
        job.cancel();
      } else if (input === 'n' || input === 'N' || key.escape || isCtrlC(input, key)) setAsking(false);
    } else if (isCtrlC(input, key) && !job.cancelRequested) setAsking(true);
  });

  if (running) {
    const status = job.cancelRequested ? (
      <Text color="yellow">Stopping safely at the next chunk...</Text>
    ) : job.warnings.length > 0 ? (
      <Line color="yellow">{`Note: ${job.warnings[job.warnings.length - 1] ?? ''}`}</Line>
    ) : undefined;
    return (
      <Frame title={title} step="Working" help={help} keys={job.cancelRequested ? '' : 'Ctrl-C: stop'} status={status}>
        <ProgressView event={job.event} planned={planned} elapsedSeconds={job.elapsedSeconds} tick={job.tick} />
        {asking ? (
          <Box flexDirection="column" borderStyle={glyphs.border} paddingX={1} marginTop={1}>
            <Text bold>{stopQuestion}</Text>
            <Text wrap="wrap">{stopConsequence}</Text>
            <Text>{'y: yes, stop   n: no, keep going'}</Text>
          </Box>
        ) : null}
      </Frame>
    );
  }
  const state = job.state;
  if (state.status === 'running') return null;
  const end: JobEnd<T> = state.status === 'done' ? { result: state.result } : { error: state.error };
  const actions = resultActions?.(end) ?? [HOME];
  const cancelled = end.error?.code === 'CANCELLED';
  return (
    <Frame title={title} step={end.error ? (cancelled ? 'Stopped' : 'Failed') : 'Finished'} help={help} keys="Enter: choose">
      {end.error ? <ErrorView error={end.error} debug={debug} heading={cancelled ? 'Stopped as you asked.' : 'It did not work.'} /> : renderResult(end.result)}
      {job.warnings.length > 0 ? <Line dimColor>{`${job.warnings.length} note(s); the last: ${job.warnings[job.warnings.length - 1] ?? ''}`}</Line> : null}
      <Text> </Text>
      <SelectList items={actions} onSelect={(item) => onAction(item.key, end)} height={4} />
    </Frame>
  );
}
