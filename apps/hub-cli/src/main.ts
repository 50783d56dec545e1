import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createDataSource, runMigrations } from '@drehscheibe/persistence';
import { seedDemo } from './demo-seed.js';

const USAGE = `usage: hub-cli <command>
  migrate                                   apply pending database migrations
  seed-demo --credentials FILE --simulator-url URL
                                            register the demo participants and service`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { credentials: { type: 'string' }, 'simulator-url': { type: 'string' } },
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is required');
    return 78;
  }
  switch (positionals[0]) {
    case 'migrate': {
      const applied = await runMigrations(databaseUrl);
      console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
      return 0;
    }
    case 'seed-demo': {
      if (!values.credentials || !values['simulator-url']) {
        console.error(USAGE);
        return 64;
      }
      const ds = await createDataSource({ url: databaseUrl, poolSize: 2, applicationName: 'drehscheibe-cli' }).initialize();
      try {
        const creds = await seedDemo(ds, { credentialsFile: values.credentials, simulatorUrl: values['simulator-url'] });
        console.log(`demo seeded; credentials for ${Object.keys(creds).join(', ')} in ${values.credentials}`);
      } finally {
        await ds.destroy();
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 64;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
