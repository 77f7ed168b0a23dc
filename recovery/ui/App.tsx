import { Box, useApp, useInput } from 'ink';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { HelperOptions } from '../helper/helper-client.js';
import { AppContext, type AppExit, type AppServices, type HelpText } from './app-context.js';
import type { TuiBackend } from './backend/types.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { ASCII_GLYPHS, type Glyphs } from './glyphs.js';
import { CaptureWizard } from './screens/CaptureWizard.js';
import { CloneWizard } from './screens/CloneWizard.js';
import { DisksScreen } from './screens/DisksScreen.js';
import { HomeScreen, type Route } from './screens/HomeScreen.js';
import { RestoreWizard } from './screens/RestoreWizard.js';
import { VerifyWizard } from './screens/VerifyWizard.js';
import { isCtrlC } from './use-screen-input.js';
import { useDisks } from './use-disks.js';

export interface AppProps {
  backend: TuiBackend;
  helperOptions?: HelperOptions;
  /** Running as the live rescue system (Reboot / Power off are offered). */
  live?: boolean;
  debug?: boolean;
  glyphs?: Glyphs;
  /** Where to start (tests open a screen directly). */
  initialRoute?: Route;
  /** Told how the app ends, before it unmounts (run-tui reads the same value from Ink). */
  onExit?: (how: AppExit) => void;
}

/**
 * The wizard: a home menu and one screen per task. Global keys live here: `?` opens or closes
 * the help of the screen on show (which stays mounted underneath, keys off), and Ctrl-C quits,
 * except while a job runs, where its screen asks before cancelling.
 */
export function App({ backend, helperOptions = {}, live = false, debug = false, glyphs = ASCII_GLYPHS, initialRoute = 'home', onExit }: AppProps) {
  const { exit: inkExit } = useApp();
  const disks = useDisks(helperOptions, backend.loadDisks);
  const [route, setRoute] = useState<Route>(initialRoute);
  const [helpOpen, setHelpOpen] = useState(false);
  const help = useRef<HelpText | null>(null);
  const busy = useRef(false);
  const setBusy = useCallback((value: boolean) => {
    busy.current = value;
  }, []);
  const goHome = useCallback(() => setRoute('home'), []);
  const exit = useCallback(
    (how: AppExit) => {
      onExit?.(how);
      inkExit(how);
    },
    [inkExit, onExit],
  );

  useInput((input, key) => {
    if (helpOpen) {
      if (input === '?' || key.escape || key.return || isCtrlC(input, key)) setHelpOpen(false);
      return;
    }
    if (input === '?') setHelpOpen(true);
    else if (isCtrlC(input, key) && !busy.current) exit({ next: 'quit' });
  });

  const services: AppServices = useMemo(
    () => ({ backend, helperOptions, disks, glyphs, live, debug, helpOpen, help, setBusy, goHome, exit }),
    [backend, helperOptions, disks, glyphs, live, debug, helpOpen, setBusy, goHome, exit],
  );
  return (
    <AppContext.Provider value={services}>
      {helpOpen ? <HelpOverlay help={help.current} /> : null}
      <Box display={helpOpen ? 'none' : 'flex'} flexDirection="column">
        {route === 'home' ? <HomeScreen open={setRoute} /> : null}
        {route === 'capture' ? <CaptureWizard /> : null}
        {route === 'restore' ? <RestoreWizard /> : null}
        {route === 'clone' ? <CloneWizard /> : null}
        {route === 'verify' ? <VerifyWizard /> : null}
        {route === 'disks' ? <DisksScreen /> : null}
      </Box>
    </AppContext.Provider>
  );
}
