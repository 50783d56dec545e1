// The benchmark's command line: `node bench/run.mjs --help` prints it.
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `node bench/run.mjs [--runs 3] [--duration 8] [--concurrency 32]
                   [--ingest-rate 1000] [--e2e-rate 500] [--e2e-low-rate 100] [--quick]
                   [--profile] [--no-build] [--out FILE] [--help]

  --runs N            runs per figure; every figure is the median (default 3)
  --duration S        seconds per closed-loop ingest run (default 8)
  --concurrency N     concurrent clients in the closed loops (default 32)
  --ingest-rate R     offered creations per second in the open loop (default 1000)
  --e2e-rate R        offered status changes per second, end to end (default 500)
  --e2e-low-rate R    the same at a low rate (default 100)
  --quick             one short run of everything: a smoke test, not figures
  --profile           also CPU-profile hub-api, worker and bare Fastify
  --no-build          use dist/ as it is
  --out FILE          where the JSON goes (default bench/results/latest.json)`;

/**
 * @typedef {object} BenchOptions
 * @property {number} runs
 * @property {number} durationMs
 * @property {number} warmupMs
 * @property {number} concurrency
 * @property {number} ingestRate
 * @property {number} openLoopMs
 * @property {number} e2eRate
 * @property {number} e2eLowRate
 * @property {number} e2eMs
 * @property {boolean} profile
 */

/**
 * @param {string} root the repository
 * @param {string[]} [args]
 * @returns {{ help: true } | { help: false, opt: BenchOptions, drainSample: number, build: boolean, out: string }}
 */
export function readOptions(root, args = process.argv.slice(2)) {
  const { values: cli } = parseArgs({
    args,
    options: {
      runs: { type: 'string', default: '3' },
      duration: { type: 'string', default: '8' },
      concurrency: { type: 'string', default: '32' },
      'ingest-rate': { type: 'string', default: '1000' },
      'e2e-rate': { type: 'string', default: '500' },
      'e2e-low-rate': { type: 'string', default: '100' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      out: { type: 'string', default: join(root, 'bench/results/latest.json') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (cli.help) return { help: true };
  return {
    help: false,
    opt: {
      runs: cli.quick ? 1 : Number(cli.runs),
      durationMs: (cli.quick ? 3 : Number(cli.duration)) * 1000,
      warmupMs: cli.quick ? 500 : 1500,
      concurrency: Number(cli.concurrency),
      ingestRate: Number(cli['ingest-rate']),
      openLoopMs: cli.quick ? 2000 : 4000,
      e2eRate: Number(cli['e2e-rate']),
      e2eLowRate: Number(cli['e2e-low-rate']),
      e2eMs: cli.quick ? 2000 : 6000,
      profile: cli.profile,
    },
    /** The one-receiver drain is timed over this many deliveries (the ingest backlog is larger). */
    drainSample: cli.quick ? 500 : 1500,
    build: !cli['no-build'],
    out: cli.out,
  };
}
