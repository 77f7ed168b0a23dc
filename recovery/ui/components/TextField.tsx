import { Box, Text } from 'ink';
import { useRef } from 'react';
import { useGlyphs } from '../app-context.js';
import { useScreenInput } from '../use-screen-input.js';

export interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: (value: string) => void;
  /** Tab: returns the completed value (path completion), or the same value. */
  complete?: (value: string) => Promise<string>;
  placeholder?: string;
  active?: boolean;
  maxLength?: number;
}

/** Characters a person types, as Ink delivers them (a paste arrives as one string). */
function typed(input: string): string {
  return [...input].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
}

/**
 * One line of text: typing appends, Backspace removes the last character, Ctrl-U clears, Tab
 * completes (when the owner can), Enter submits. `?` is kept for help on every screen.
 */
export function TextField({ value, onChange, onSubmit, complete, placeholder, active = true, maxLength = 4096 }: TextFieldProps) {
  const glyphs = useGlyphs();
  // Several keys can arrive before the owner re-renders with the new value: build on the latest.
  const latest = useRef(value);
  latest.current = value;
  const change = (next: string) => {
    latest.current = next;
    onChange(next);
  };
  useScreenInput((input, key) => {
    const now = latest.current;
    if (key.return) onSubmit?.(now);
    else if (key.backspace || key.delete) change(now.slice(0, -1));
    else if (key.ctrl && input === 'u') change('');
    else if (key.tab) {
      if (complete)
        void complete(now).then(
          (done) => done !== latest.current && change(done),
          () => undefined,
        );
    } else if (!key.ctrl && !key.meta && !key.escape && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow) {
      const text = typed(input).replaceAll('?', '');
      if (text) change((now + text).slice(0, maxLength));
    }
  }, active);
  // Long paths show their end, where the typing happens.
  const room = 74;
  const shown = value.length > room ? `~${value.slice(value.length - room + 1)}` : value;
  return (
    <Box>
      <Text>{`${glyphs.pointer} `}</Text>
      {value === '' && placeholder ? <Text dimColor>{placeholder}</Text> : <Text>{shown}</Text>}
      {active ? <Text inverse> </Text> : null}
    </Box>
  );
}
