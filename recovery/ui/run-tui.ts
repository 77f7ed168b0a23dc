import { render } from 'ink';
import { createElement } from 'react';
import type { HelperOptions } from '../helper/helper-client.js';
import { App } from './App.js';

/** Opens the terminal UI and resolves when the person leaves it. */
export async function runTui(helperOptions: HelperOptions): Promise<void> {
  const instance = render(createElement(App, { helperOptions }));
  await instance.waitUntilExit();
}
