/**
 * Ctrl-C (SIGINT) and SIGTERM during a pipeline: the first asks the engine to stop at the next
 * chunk boundary (it then cleans up and reports CANCELLED); a second one ends the process at once.
 */
export function cancelOnSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\nlifeboat: ${name} received; stopping safely at the next chunk (press Ctrl-C again to quit at once).\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
