import { Box, Text } from 'ink';
import { useState } from 'react';
import { useGlyphs } from '../app-context.js';
import { useScreenInput } from '../use-screen-input.js';
import { TextField } from './TextField.js';

export interface CaptureOptions {
  level: number;
  note: string;
  verifyAfter: boolean;
}

/** zstd levels worth offering, with what they mean for a person waiting in front of the machine. */
export const LEVELS: ReadonlyArray<{ level: number; words: string }> = [
  { level: 1, words: 'fastest, larger image' },
  { level: 3, words: 'fast, good size (recommended)' },
  { level: 6, words: 'slower, a little smaller' },
  { level: 9, words: 'slow, smaller' },
  { level: 19, words: 'very slow, smallest' },
];

type Row = 'level' | 'note' | 'verify';
const ROWS: Row[] = ['level', 'note', 'verify'];

/** Compression level (Left/Right), a note (typed), verify afterwards (Space); Up/Down move, Enter continues. */
export function CaptureOptionsForm({ initial, onDone }: { initial: CaptureOptions; onDone: (options: CaptureOptions) => void }) {
  const glyphs = useGlyphs();
  const [options, setOptions] = useState(initial);
  const [row, setRow] = useState<Row>('level');
  useScreenInput((input, key) => {
    const at = ROWS.indexOf(row);
    if (key.upArrow) setRow(ROWS[Math.max(0, at - 1)] as Row);
    else if (key.downArrow || key.tab) setRow(ROWS[Math.min(ROWS.length - 1, at + 1)] as Row);
    else if (key.return) onDone(options);
    else if (row === 'level' && (key.leftArrow || key.rightArrow)) {
      const index = Math.max(
        0,
        LEVELS.findIndex((l) => l.level === options.level),
      );
      const next = LEVELS[Math.max(0, Math.min(LEVELS.length - 1, index + (key.rightArrow ? 1 : -1)))];
      if (next) setOptions({ ...options, level: next.level });
    } else if (row === 'verify' && (input === ' ' || key.leftArrow || key.rightArrow)) setOptions({ ...options, verifyAfter: !options.verifyAfter });
  });
  const level = LEVELS.find((l) => l.level === options.level);
  const mark = (r: Row) => (r === row ? glyphs.pointer : ' '.repeat(glyphs.pointer.length));
  return (
    <Box flexDirection="column">
      <Text inverse={row === 'level'}>{`${mark('level')} Compression   < level ${options.level}: ${level?.words ?? ''} >`}</Text>
      <Text> </Text>
      <Text inverse={row === 'note'}>{`${mark('note')} Note          (shown in the snapshot list, optional)`}</Text>
      <Box marginLeft={4}>
        <TextField
          value={options.note}
          onChange={(note) => setOptions({ ...options, note })}
          placeholder="e.g. before replacing the disk"
          active={row === 'note'}
          maxLength={200}
        />
      </Box>
      <Text> </Text>
      <Text
        inverse={row === 'verify'}
      >{`${mark('verify')} Check the image afterwards   [${options.verifyAfter ? 'x' : ' '}] ${options.verifyAfter ? 'yes: read every chunk back' : 'no'}`}</Text>
    </Box>
  );
}
