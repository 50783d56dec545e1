// Cleanup on exit: callbacks that stop what a script started, run once each on
// a signal, an uncaught exception, a deliberate runExitHandlers(), or — their
// synchronous part only — when the process exits without cleaning up.

/** @typedef {{ fn: () => unknown, started: boolean, promise: Promise<unknown> | undefined }} ExitEntry */

/** @type {ExitEntry[]} */
const exitHandlers = [];
let exitHooksInstalled = false;
let exiting = false;

/**
 * @param {ExitEntry} entry
 * @returns {Promise<unknown>}
 */
function runEntry(entry) {
  if (entry.started) return /** @type {Promise<unknown>} */ (entry.promise);
  entry.started = true;
  /** @param {any} e */
  const report = (e) => console.error(`[infra] cleanup failed: ${e?.stack ?? e}`);
  try {
    entry.promise = Promise.resolve(entry.fn()).catch(report);
  } catch (e) {
    report(e);
    entry.promise = Promise.resolve();
  }
  return entry.promise;
}

/**
 * Runs every registered cleanup that has not run yet, newest first, one after
 * the other, and waits for them (also for ones already in progress). Call it
 * before a deliberate process.exit().
 * @returns {Promise<void>}
 */
export async function runExitHandlers() {
  for (;;) {
    const next = [...exitHandlers].reverse().find((e) => !e.started);
    if (!next) break;
    await runEntry(next);
  }
  await Promise.all(exitHandlers.map((e) => e.promise));
}

/** @param {number} code */
function exitAfterCleanup(code) {
  if (exiting) {
    // A second Ctrl+C (or a second failure) while cleaning up: leave now. The
    // 'exit' hook still signals every server, and the guardians finish the job.
    process.exit(code);
  }
  exiting = true;
  const force = setTimeout(() => process.exit(code), 30_000);
  force.unref();
  void runExitHandlers().finally(() => process.exit(code));
}

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('SIGINT', () => exitAfterCleanup(130));
  process.on('SIGTERM', () => exitAfterCleanup(143));
  process.on('SIGHUP', () => exitAfterCleanup(129));
  process.on('uncaughtException', (error) => {
    console.error(error?.stack ?? error);
    exitAfterCleanup(1);
  });
  // Last resort (process.exit() without cleanup): only synchronous work is
  // possible here, so each pending cleanup is started, which sends its stop
  // signal synchronously; the server then shuts down on its own.
  process.on('exit', () => {
    for (const entry of [...exitHandlers].reverse()) if (!entry.started) void runEntry(entry);
  });
}

/**
 * Registers a cleanup callback (sync or async). Each runs at most once: on
 * SIGINT/SIGTERM/SIGHUP and uncaught exceptions (all awaited, newest first,
 * then the process exits with 130/143/129/1), from runExitHandlers(), or — as
 * a last resort, synchronous part only — on the 'exit' event.
 * Returns a function that unregisters the callback.
 * @param {() => unknown} fn
 * @returns {() => void}
 */
export function onExit(fn) {
  installExitHooks();
  /** @type {ExitEntry} */
  const entry = { fn, started: false, promise: undefined };
  exitHandlers.push(entry);
  return () => {
    const i = exitHandlers.indexOf(entry);
    if (i >= 0 && !entry.started) exitHandlers.splice(i, 1);
  };
}
