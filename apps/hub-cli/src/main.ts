import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AuditVerifier } from '@drehscheibe/audit';
import type { PublicJwk } from '@drehscheibe/evidence';
import { FieldCipher, HubKeys } from '@drehscheibe/security';
import { ed25519PublicKeyFromSecret, generateEd25519KeyPair } from '@drehscheibe/webhooks';
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
  const published = (process.env.HUB_TOKEN_PUBLISHED_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return (await HubKeys.load(secret, published)).jwks;
}

const USAGE = `usage: hub-cli <command> [--wait SECONDS]
  migrate                                   apply pending database migrations
  seed-demo --credentials FILE --simulator-url URL
                                            register the demo participants and service
  generate-key --kind token|webhook         a new Ed25519 signing key (whsk_…) and its public key (whpk_…),
                                            with the steps of rotating to it (docs/security.md)
  public-key --kind token|webhook           the public half (whpk_…) of HUB_TOKEN_SIGNING_KEY or HUB_WEBHOOK_SIGNING_KEY
  audit-verify [--jwks FILE|URL]            check every ticket's hash chain and every signed checkpoint;
                                            names the first broken link (exit 1). Keys: the JWKS given,
                                            else HUB_TOKEN_SIGNING_KEY's and HUB_TOKEN_PUBLISHED_KEYS
  rotate-data-key                           re-encrypt everything under HUB_DATA_KEYS_PREVIOUS with HUB_DATA_KEY
                                            (while the hub runs; exit 0 when nothing is left under an old key)
  --wait SECONDS   how long to wait for PostgreSQL to become reachable (default 120)`;

const DEFAULT_WAIT_SECONDS = 120;

/**
 * Prints a new signing key and the two steps of a rotation without downtime:
 * publish the public key ahead, then switch and keep the old public key
 * published. Prints, never stores: the key goes where the operator keeps
 * secrets.
 */
function generateKey(kind: string | undefined): number {
  if (kind !== 'token' && kind !== 'webhook') {
    console.error(USAGE);
    return 64;
  }
  const { secretKey, publicKey } = generateEd25519KeyPair();
  const name = kind === 'token' ? 'TOKEN' : 'WEBHOOK';
  const jwks = kind === 'token' ? '/.well-known/jwks.json' : '/.well-known/webhook-jwks.json';
  console.log(`new ${kind} signing key (keep it secret): ${secretKey}
its public key: ${publicKey}

1. On every replica, add ${publicKey} to HUB_${name}_PUBLISHED_KEYS and restart: ${jwks} publishes it
   ahead, and verifiers that cache the JWKS learn it before anything is signed with it.
2. Once their caches have refreshed: print the old key's public half (hub-cli public-key --kind ${kind},
   with the old HUB_${name}_SIGNING_KEY set), set HUB_${name}_SIGNING_KEY to the new key, put the old
   public key into HUB_${name}_PUBLISHED_KEYS in place of the new one, and restart replica by replica.
   Replicas on either side of the switch accept each other's tokens.
3. Keep the old public key published while anything it signed must still verify${kind === 'token' ? ' (receipts and audit checkpoints: for as long as they are kept)' : ' (deliveries still being retried)'}.`);
  return 0;
}

/** The public half (whpk_…) of the configured signing key of a kind: what a rotation keeps published. */
function printPublicKey(kind: string | undefined): number {
  const secret = kind === 'token' ? process.env.HUB_TOKEN_SIGNING_KEY : kind === 'webhook' ? process.env.HUB_WEBHOOK_SIGNING_KEY : undefined;
  if (!secret) {
    console.error(USAGE);
    return 64;
  }
  console.log(ed25519PublicKeyFromSecret(secret));
  return 0;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      credentials: { type: 'string' },
      'simulator-url': { type: 'string' },
      wait: { type: 'string' },
      jwks: { type: 'string' },
      kind: { type: 'string' },
    },
  });
  const waitSeconds = values.wait === undefined ? DEFAULT_WAIT_SECONDS : Number(values.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0) {
    console.error(USAGE);
    return 64;
  }
  // Like the API and worker, the CLI may start before PostgreSQL (a migration job beside the database).
  const wait = { logger: createLogger({ name: 'hub-cli', level: process.env.LOG_LEVEL ?? 'info' }), waitMs: waitSeconds * 1000 };
  if (positionals[0] === 'generate-key') return generateKey(values.kind);
  if (positionals[0] === 'public-key') return printPublicKey(values.kind);
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
