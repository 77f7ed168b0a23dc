/**
 * What every screen may reach: the engine (through the backend), the disk list, the glyphs of this
 * terminal, and the app's few global states. One context instead of props through every wizard step.
 */
import { createContext, useContext, type MutableRefObject } from 'react';
import type { HelperOptions } from '../helper/helper-client.js';
import type { TuiBackend } from './backend/types.js';
import { ASCII_GLYPHS, type Glyphs } from './glyphs.js';
import type { Disks } from './use-disks.js';

/** How the app ended: what run-tui does next. */
export type AppExit = { next: 'quit' } | { next: 'shell' } | { next: 'reboot' } | { next: 'poweroff' };

export interface HelpText {
  title: string;
  lines: string[];
}

export interface AppServices {
  backend: TuiBackend;
  helperOptions: HelperOptions;
  disks: Disks;
  glyphs: Glyphs;
  /** Running as the live rescue system: Reboot and Power off are offered. */
  live: boolean;
  /** --debug: errors show their stack and cause. */
  debug: boolean;
  /** True while the help overlay covers the screen: the screen's own keys are off. */
  helpOpen: boolean;
  /** The help of the screen on show; each Frame writes its own here. */
  help: MutableRefObject<HelpText | null>;
  /** A job is running: Ctrl-C belongs to its screen (ask, then cancel), not to the app (quit). */
  setBusy: (busy: boolean) => void;
  goHome: () => void;
  exit: (how: AppExit) => void;
}

export const AppContext = createContext<AppServices | null>(null);

export function useAppServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('A Lifeboat screen was rendered outside <App>.');
  return services;
}

/** The glyphs without needing the whole app (components rendered alone in tests get ASCII). */
export function useGlyphs(): Glyphs {
  return useContext(AppContext)?.glyphs ?? ASCII_GLYPHS;
}
