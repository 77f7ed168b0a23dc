import { Box, Text } from 'ink';
import { LIFEBOAT_VERSION } from '../../core/version.js';
import { useGlyphs, type HelpText } from '../app-context.js';
import { SCREEN_WIDTH } from './Frame.js';

const KEYS = [
  'Up/Down, PgUp/PgDn, Home/End  move      Enter  choose or continue',
  'Esc  back one step      ?  this help      q  quit (main menu)',
  'Ctrl-C  during a capture, restore or clone: asks, then stops safely',
];

/** The help of the screen underneath, plus the keys that work everywhere. */
export function HelpOverlay({ help }: { help: HelpText | null }) {
  const glyphs = useGlyphs();
  return (
    <Box flexDirection="column" width={SCREEN_WIDTH}>
      <Text bold>{`Lifeboat ${LIFEBOAT_VERSION} | Help: ${help?.title ?? 'Lifeboat'}`}</Text>
      <Text>{glyphs.rule.repeat(SCREEN_WIDTH)}</Text>
      {(help?.lines ?? []).map((line, i) => (
        <Text key={i} wrap="wrap">
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Box flexDirection="column" borderStyle={glyphs.border} paddingX={1}>
        <Text bold>Keys</Text>
        {KEYS.map((line) => (
          <Text key={line}>{line}</Text>
        ))}
      </Box>
      <Text> </Text>
      <Text dimColor>Esc or ?: close this help</Text>
    </Box>
  );
}
