import { generateClientSecret, hashClientSecret } from '@drehscheibe/security';
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
