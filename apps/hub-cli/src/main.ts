import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AuditVerifier } from '@drehscheibe/audit';
import type { PublicJwk } from '@drehscheibe/evidence';
import { FieldCipher, SigningKey } from '@drehscheibe/security';
import { RetryAborted } from '@drehscheibe/availability';
import { createLogger } from '@drehscheibe/observability';
import { connectDataSource, createDataSource, runMigrations } from '@drehscheibe/persistence';
import { loadConfig } from '@drehscheibe/config';
import { seedDemo } from './demo-seed.js';
import { rotateDataKey } from './rotate-data-key.js';

/** The hub's public keys: a JWKS file or URL, else the public half of the configured token signing key. */
async function verificationKeys(jwks: string | undefined): Promise<PublicJwk[]> {
  if (jwks) {
    const text = /^https?:\/\//.test(jwks) ? await (await fetch(jwks)).text() : readFileSync(jwks, 'utf8');
    return (JSON.parse(text) as { keys: PublicJwk[] }).keys;
  }
  const secret = process.env.HUB_TOKEN_SIGNING_KEY;
  if (!secret) throw new Error('give --jwks FILE|URL (the hub publishes /.well-known/jwks.json) or set HUB_TOKEN_SIGNING_KEY');
  return [(await SigningKey.fromSecret(secret)).publicJwk];
}

const USAGE = `usage: hub-cli <command> [--wait SECONDS]
  migrate                                   apply pending database migrations
  seed-demo --credentials FILE --simulator-url URL
                                            register the demo participants and service
  audit-verify [--jwks FILE|URL]            check every ticket's hash chain and every signed checkpoint;
                                            names the first broken link (exit 1). Keys: the JWKS given,
                                            else the public half of HUB_TOKEN_SIGNING_KEY
  rotate-data-key                           re-encrypt everything under HUB_DATA_KEYS_PREVIOUS with HUB_DATA_KEY
                                            (while the hub runs; exit 0 when nothing is left under an old key)
  --wait SECONDS   how long to wait for PostgreSQL to become reachable (default 120)`;

const DEFAULT_WAIT_SECONDS = 120;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { credentials: { type: 'string' }, 'simulator-url': { type: 'string' }, wait: { type: 'string' }, jwks: { type: 'string' } },
  });
  const waitSeconds = values.wait === undefined ? DEFAULT_WAIT_SECONDS : Number(values.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0) {
    console.error(USAGE);
    return 64;
  }
  // Like the API and worker, the CLI may start before PostgreSQL (a migration job beside the database).
  const wait = { logger: createLogger({ name: 'hub-cli', level: process.env.LOG_LEVEL ?? 'info' }), waitMs: waitSeconds * 1000 };
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is required');
    return 78;
  }
  const connect = () =>
    connectDataSource(createDataSource({ url: databaseUrl, poolSize: 2, applicationName: 'drehscheibe-cli' }), {
      logger: wait.logger,
      signal: AbortSignal.timeout(wait.waitMs),
      requireCurrentSchema: true,
    });
  switch (positionals[0]) {
    case 'migrate': {
      const applied = await runMigrations(databaseUrl, wait);
      console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
      return 0;
    }
    case 'seed-demo': {
      if (!values.credentials || !values['simulator-url']) {
        console.error(USAGE);
        return 64;
      }
      const ds = await connect();
      try {
        const creds = await seedDemo(ds, { credentialsFile: values.credentials, simulatorUrl: values['simulator-url'] });
        console.log(`demo seeded; credentials for ${Object.keys(creds).join(', ')} in ${values.credentials}`);
      } finally {
        await ds.destroy();
      }
      return 0;
    }
    case 'audit-verify': {
      const keys = await verificationKeys(values.jwks);
      const ds = await connect();
      try {
        const report = await new AuditVerifier(ds, keys).verify();
        const counts = `${report.tickets} tickets, ${report.events} events, ${report.checkpoints} checkpoints (${report.checkpointsWithLeaves} with leaves checked)`;
        if (report.broken) {
          console.error(`audit BROKEN at ${report.broken.table} ${report.broken.row}: ${report.broken.reason}`);
          console.error(`checked before it: ${counts}`);
          return 1;
        }
        console.log(`audit verified: ${counts}`);
      } finally {
        await ds.destroy();
      }
      return 0;
    }
    case 'rotate-data-key': {
      // The key ring as the hub reads it (and the same validation).
      const { keys } = loadConfig();
      const cipher = new FieldCipher(keys.dataKey, keys.previousDataKeys);
      const ds = await connect();
      try {
        const report = await rotateDataKey(ds, cipher, (line) => console.log(line));
        const moved = Object.entries(report.moved).map(([column, n]) => `${column} ${n}`);
        console.log(`data key ${report.keyId}: re-encrypted ${moved.join(', ')}; ${report.remaining} values left under other keys`);
        return report.remaining === 0 ? 0 : 75;
      } finally {
        await ds.destroy();
      }
    }
    default:
      console.error(USAGE);
      return 64;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof RetryAborted) console.error('gave up waiting for the database (the warnings above say why); raise --wait or check DATABASE_URL');
    else console.error(e);
    process.exit(1);
  },
);
