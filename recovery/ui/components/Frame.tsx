import { Box, Text } from 'ink';
import { useContext, useEffect, type ReactNode } from 'react';
import { LIFEBOAT_VERSION } from '../../core/version.js';
import { AppContext, type HelpText } from '../app-context.js';
import { useGlyphs } from '../app-context.js';
import { useScreenInput } from '../use-screen-input.js';
import { Line } from './Line.js';

/** Every screen fits an 80x25 console; a frame of 23 lines or fewer never makes Ink clear the screen. */
export const SCREEN_WIDTH = 80;

export interface FrameProps {
  /** "Capture a disk": the task, the same on every step of it. */
  title: string;
  /** "Step 2 of 6: Where the image goes". */
  step?: string;
  /** What `?` shows for this screen. */
  help: HelpText;
  /** The keys line at the bottom, e.g. "Enter: choose  Esc: back". "?: help" is added. */
  keys: string;
  /** Esc goes here; without it Esc does nothing on this screen. */
  onBack?: () => void;
  /** A line above the keys: why a highlighted item cannot be chosen, a warning... */
  status?: ReactNode;
  children: ReactNode;
}

/** The common frame: a title line, a rule, the body, a status line and the keys. */
export function Frame({ title, step, help, keys, onBack, status, children }: FrameProps) {
  const services = useContext(AppContext);
  const glyphs = useGlyphs();
  useEffect(() => {
    if (services) services.help.current = help;
  });
  useScreenInput((_input, key) => {
    if (key.escape && onBack) onBack();
  });
  const left = `Lifeboat ${LIFEBOAT_VERSION} | ${title}`;
  const right = step ?? '';
  const gap = Math.max(1, SCREEN_WIDTH - left.length - right.length);
  return (
    <Box flexDirection="column" width={SCREEN_WIDTH}>
      <Line bold>{`${left}${' '.repeat(gap)}${right}`}</Line>
      <Text>{glyphs.rule.repeat(SCREEN_WIDTH)}</Text>
      <Box flexDirection="column">{children}</Box>
      <Text> </Text>
      {status !== undefined && status !== null && status !== false ? <Box>{typeof status === 'string' ? <Line>{status}</Line> : status}</Box> : null}
      <Line dimColor>{keys ? `${keys}  ?: help` : '?: help'}</Line>
    </Box>
  );
}
