import { reasonOf } from '@drehscheibe/availability';
import type { Logger } from '@drehscheibe/observability';

/**
 * Runs `run` every `intervalMs`, never two runs of this process at once
 * (runs of several workers may overlap: each job is safe for that). A failed
 * run (PostgreSQL away) is logged and the next one tries again; what a run
 * did is logged when it says anything (`run` answers a message and fields).
 */
export function schedulePeriodic(
  what: string,
  intervalMs: number,
  logger: Logger,
  run: () => Promise<{ message: string; fields: Record<string, unknown> } | null>,
  /** Also run once at once (a long interval would otherwise wait a whole interval after every restart). */
  options: { atStart?: boolean } = {},
): { close(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = run()
      .then((done) => {
        if (done) logger.info(done.fields, done.message);
      })
      .catch((e) => logger.warn({ err: reasonOf(e) }, `${what} failed`))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  if (options.atStart) tick();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
