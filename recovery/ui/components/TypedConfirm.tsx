import { Box, Text } from 'ink';
import { useState } from 'react';
import { TextField } from './TextField.js';

/** The one answer that confirms: the target's kernel name (sdb), or its /dev path. */
export function confirmationMatches(typed: string, name: string, devicePath: string): boolean {
  const given = typed.trim();
  return given.length > 0 && (given === name || given === devicePath);
}

export interface TypedConfirmProps {
  name: string;
  devicePath: string;
  /** "This overwrites /dev/sdb (Samsung SSD, 1.8 TiB)." */
  what: string;
  onConfirmed: () => void;
}

/**
 * A destructive step asks for the target's name to be typed. Enter with anything else does
 * nothing but say so: no default, no y/n that a hurried key press could answer.
 */
export function TypedConfirm({ name, devicePath, what, onConfirmed }: TypedConfirmProps) {
  const [text, setText] = useState('');
  const [wrong, setWrong] = useState<string | null>(null);
  return (
    <Box flexDirection="column">
      <Text bold color="red" wrap="wrap">
        {what}
      </Text>
      <Text> </Text>
      <Text>{`To go ahead, type the target's name, ${name}, and press Enter:`}</Text>
      <TextField
        value={text}
        onChange={(value) => {
          setText(value);
          setWrong(null);
        }}
        onSubmit={(value) => {
          if (confirmationMatches(value, name, devicePath)) onConfirmed();
          else
            setWrong(
              value.trim() === ''
                ? `Nothing typed. Type ${name} to go ahead, or press Esc.`
                : `"${value.trim()}" is not ${name}. Nothing was written; type ${name} to go ahead, or press Esc.`,
            );
        }}
      />
      {wrong ? <Text color="yellow">{wrong}</Text> : null}
    </Box>
  );
}
