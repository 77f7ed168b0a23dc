import { useInput, type Key } from 'ink';
import { useContext } from 'react';
import { AppContext } from './app-context.js';

/** useInput that goes quiet while the help overlay is open, so a key never acts on a hidden screen. */
export function useScreenInput(handler: (input: string, key: Key) => void, active = true): void {
  const helpOpen = useContext(AppContext)?.helpOpen ?? false;
  useInput(handler, { isActive: active && !helpOpen });
}

/** Ctrl-C as Ink reports it in raw mode (a letter with the ctrl flag, or the raw ETX byte). */
export function isCtrlC(input: string, key: Key): boolean {
  return (key.ctrl && input === 'c') || input === '\u0003';
}
