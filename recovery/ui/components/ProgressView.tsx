import { Box, Text } from 'ink';
import { formatBytes } from '../../core/format-bytes.js';
import type { Phase, ProgressEvent } from '../../pipeline/progress.js';
import { useGlyphs } from '../app-context.js';
import { formatDuration } from '../../core/format-duration.js';
import { bar, overallFraction, percent, phaseFraction, phaseWords, stepOf } from '../progress-text.js';
import { Line } from './Line.js';

export interface ProgressViewProps {
  event: ProgressEvent | null;
  /** The long phases this job will go through, in order (see overallFraction). */
  planned: readonly Phase[];
  /** Seconds since the job started, from the UI's own clock so it moves even between events. */
  elapsedSeconds: number;
  tick: number;
}

const BAR_WIDTH = 50;

/** Overall bar, the current partition's bar, then rate, time left and elapsed. */
export function ProgressView({ event, planned, elapsedSeconds, tick }: ProgressViewProps) {
  const glyphs = useGlyphs();
  if (!event || event.phase === 'analyze') {
    return (
      <Box flexDirection="column">
        <Text>{`${glyphs.spinner[tick % glyphs.spinner.length] ?? ''} Reading the partition table and filesystems...`}</Text>
        <Text> </Text>
        <Text>{`Elapsed ${formatDuration(elapsedSeconds)}`}</Text>
      </Box>
    );
  }
  const overall = overallFraction(event, planned);
  const step = stepOf(event, planned);
  const item = event.item;
  const itemFraction = item && item.bytesTotal > 0 ? item.bytesDone / item.bytesTotal : phaseFraction(event);
  return (
    <Box flexDirection="column">
      <Line bold>{`Step ${step.number} of ${step.count}: ${phaseWords(event.operation, event.phase)}`}</Line>
      <Text> </Text>
      <Text>{`Overall    ${bar(overall, BAR_WIDTH, glyphs)} ${percent(overall)}`}</Text>
      <Text> </Text>
      <Line>{item ? `${item.label}  (${item.index} of ${item.count})` : ' '}</Line>
      <Text>{`This part  ${bar(itemFraction, BAR_WIDTH, glyphs)} ${percent(itemFraction)}`}</Text>
      <Text> </Text>
      <Line>{`Done       ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)}`}</Line>
      <Line>{`Rate       ${event.rateBytesPerSecond > 0 ? `${formatBytes(event.rateBytesPerSecond)}/s` : '...'}`}</Line>
      <Text>{`Time left  ${formatDuration(event.etaSeconds)}      Elapsed ${formatDuration(elapsedSeconds)}`}</Text>
    </Box>
  );
}
