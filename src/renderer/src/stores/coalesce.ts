// Runs an async refresh at most once at a time: calls that arrive while one
// runs fold into a single follow-up. A burst of commit events (a big sync)
// then costs two reloads, not hundreds — without timers, so tests stay exact.

export function coalesce(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await run();
    } while (again);
    running = null;
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };
}
