import { generateClientSecret, hashClientSecret } from '@drehscheibe/security';
import type { Stack } from './stack.js';
import type { ApiClient } from './api-client.js';
import type { TestDatabase } from './database.js';

/** Registers one more participant with a client, straight in the database (registry API comes later). */
export async function addParticipant(db: TestDatabase, api: ApiClient, id: string, deliveryUrl: string | null = null): Promise<void> {
  const secret = generateClientSecret();
  await db.query(`INSERT INTO participants (id, name, kind, land, delivery_url) VALUES ($1, $2, 'land_ticket_system', 'DE-BY', $3)`, [
    id,
    `Test ${id}`,
    deliveryUrl,
  ]);
  await db.query(`INSERT INTO oauth_clients (client_id, participant_id, secret_hash, scopes) VALUES ($1, $1, $2, '{tickets}')`, [
    id,
    await hashClientSecret(secret),
  ]);
  api.addCredentials(id, { clientId: id, clientSecret: secret });
}

/**
 * Registers the vendor (`demo-vendor`, the Fachverfahrenshersteller the
 * simulator plays when SIMULATOR_PARTICIPANTS names it) through the admin
 * API, with a client whose credentials the stack's API client gets.
 */
export async function addSimulatedVendor(stack: Stack): Promise<void> {
  const vendor = await stack.api.call('POST', '/v1/participants', {
    as: 'hub-admin',
    body: {
      id: 'demo-vendor',
      name: 'Fachverfahrenshersteller',
      kind: 'vendor',
      level: 'federal',
      deliveryUrl: `${stack.simulatorUrl}/participants/demo-vendor/webhook`,
    },
  });
  if (vendor.status !== 201) throw new Error(`registering demo-vendor answered ${vendor.status}`);
  const client = await stack.api.call('POST', '/v1/participants/{participantId}/clients', {
    as: 'hub-admin',
    params: { participantId: 'demo-vendor' },
    body: {},
  });
  stack.api.addCredentials('demo-vendor', client.data);
}
