import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OAuthClientEntity, ParticipantEntity, ServiceEntity } from '@drehscheibe/persistence';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';

export type DemoCredentials = Record<string, { clientId: string; clientSecret: string }>;

export const DEMO_SERVICE_ID = 'svc-demo-wohngeld';

interface DemoClient {
  clientId: string;
  participantId: string | null;
  scopes: string[];
}

const CLIENTS: DemoClient[] = [
  { clientId: 'demo-mila', participantId: 'demo-mila', scopes: ['tickets'] },
  { clientId: 'demo-bela', participantId: 'demo-bela', scopes: ['tickets'] },
  { clientId: 'hub-admin', participantId: null, scopes: ['admin'] },
];

/**
 * Two simulated Länder and one service, idempotent: a rerun keeps the
 * secrets already written to the credentials file and only re-points the
 * endpoints at the running simulator.
 */
export async function seedDemo(dataSource: DataSource, options: { credentialsFile: string; simulatorUrl: string }): Promise<DemoCredentials> {
  const previous: DemoCredentials = existsSync(options.credentialsFile) ? (JSON.parse(readFileSync(options.credentialsFile, 'utf8')) as DemoCredentials) : {};
  const credentials: DemoCredentials = {};
  await dataSource.transaction(async (em) => {
    const endpoint = (id: string) => `${options.simulatorUrl}/participants/${id}/webhook`;
    await em.upsert(
      ParticipantEntity,
      [
        {
          id: 'demo-mila',
          name: 'Demo-Land Mitnutzer (MiLa)',
          kind: 'land_ticket_system',
          land: 'DE-NW',
          status: 'active',
          deliveryUrl: endpoint('demo-mila'),
        },
        {
          id: 'demo-bela',
          name: 'Demo-Land Betreiber (BeLa)',
          kind: 'land_ticket_system',
          land: 'DE-HE',
          status: 'active',
          deliveryUrl: endpoint('demo-bela'),
        },
      ],
      ['id'],
    );
    await em.upsert(ServiceEntity, [{ id: DEMO_SERVICE_ID, name: 'Wohngeld online (Demo)', leikaKey: null, operatorId: 'demo-bela' }], ['id']);
    for (const client of CLIENTS) {
      const existing = await em.findOneBy(OAuthClientEntity, { clientId: client.clientId });
      const known = previous[client.clientId]?.clientSecret;
      const reuse = known && existing?.secretHash && (await verifyClientSecret(known, existing.secretHash));
      const secret = reuse ? known : generateClientSecret();
      if (!reuse) {
        // A new secret for an existing client ends the old one and its tokens, as a rotation without overlap would.
        await em.upsert(
          OAuthClientEntity,
          [
            {
              ...client,
              secretHash: await hashClientSecret(secret),
              enabled: true,
              secretGeneration: (existing?.secretGeneration ?? 0) + 1,
              secretRotatedAt: existing ? new Date() : null,
              previousSecretHash: null,
              previousSecretExpiresAt: null,
            },
          ],
          ['clientId'],
        );
      }
      credentials[client.clientId] = { clientId: client.clientId, clientSecret: secret };
    }
  });
  mkdirSync(dirname(options.credentialsFile), { recursive: true });
  writeFileSync(options.credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  return credentials;
}
