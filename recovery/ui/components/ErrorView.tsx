import { Box, Text } from 'ink';
import type { LifeboatError } from '../../core/errors.js';
import { Line } from './Line.js';

/** Lines of --debug detail that still leave the screen readable at 25 rows. */
const DEBUG_LINES = 8;

function debugLines(error: LifeboatError): string[] {
  const stack = (error.stack ?? '')
    .split('\n')
    .slice(1, 1 + DEBUG_LINES)
    .map((line) => line.trim());
  const cause = error.cause as { message?: unknown } | undefined;
  const causeText = cause === undefined ? null : typeof cause?.message === 'string' ? cause.message : JSON.stringify(cause);
  return [...stack, ...(causeText ? [`cause: ${causeText}`] : [])];
}

/**
 * An error as the error family words it: the sentence (what happened and what to do next) and
 * its code, which docs/errors.md explains. `debug` (from --debug) adds the stack and the cause.
 */
export function ErrorView({ error, debug, heading }: { error: LifeboatError; debug: boolean; heading?: string }) {
  return (
    <Box flexDirection="column">
      <Text bold color="red">
        {heading ?? 'Something went wrong.'}
      </Text>
      <Text wrap="wrap">{error.message}</Text>
      <Text dimColor>{`[${error.code}]${debug ? '' : '  (start Lifeboat with --debug for details)'}`}</Text>
      {debug
        ? debugLines(error).map((line, i) => (
            <Line key={i} dimColor>
              {line}
            </Line>
          ))
        : null}
    </Box>
  );
}
