import type { components } from '@drehscheibe/client';
import { eventually, type Stack } from './stack.js';

type Schemas = components['schemas'];

/** Stack settings for connector tests: no simulated Länder, profiles and connectors seen at once, a short lease (kill tests). */
export const CONNECTOR_STACK_ENV: Readonly<Record<string, string>> = {
  SIMULATOR_PARTICIPANTS: '',
  SIMULATOR_AUTO_ACKNOWLEDGE: 'false',
  MAPPING_REFRESH_MS: '200',
  CONNECTOR_LEASE_MS: '2500',
  CONNECTOR_REFRESH_MS: '200',
};

/**
 * Connects a participant's system through a connector, the way an
 * administrator does (docs/connectors.md): its webhook endpoint removed, the
 * profile saved and activated, the connector configured. Resolves after the
 * connector's first poll.
 */
export async function connectSystem(
  stack: Stack,
  participantId: string,
  profile: Schemas['MappingProfileDocument'],
  connector: Omit<Schemas['ConnectorInput'], 'enabled'>,
): Promise<void> {
  const as = 'hub-admin';
  const params = { participantId };
  expect((await stack.api.call('PATCH', '/v1/participants/{participantId}', { as, params, body: { deliveryUrl: null } })).status).toBe(200);
  const saved = await stack.api.call('POST', '/v1/participants/{participantId}/mapping-profiles', { as, params, body: profile });
  expect(saved.status).toBe(201);
  expect((await stack.api.call('PUT', '/v1/participants/{participantId}/mapping', { as, params, body: { version: saved.data.version } })).status).toBe(200);
  expect((await stack.api.call('PUT', '/v1/participants/{participantId}/connector', { as, params, body: { enabled: true, ...connector } })).status).toBe(201);
  await eventually(`${participantId}'s connector to poll its system`, async () => (await connectorState(stack, participantId)).watermark, 60_000);
}

/** What operators see of a participant's connector (the admin API). */
export async function connectorState(stack: Stack, participantId: string): Promise<Schemas['ConnectorState']> {
  const r = await stack.api.call('GET', '/v1/participants/{participantId}/connector', { as: 'hub-admin', params: { participantId } });
  expect(r.status).toBe(200);
  return r.data.state;
}

/** Waits until each of the participants' connectors has polled `rounds` more times: the condition that "some seconds" have passed for them. */
export async function pollsPass(stack: Stack, participantIds: string[], rounds: number, timeoutMs = 60_000): Promise<void> {
  const polls = async () =>
    Promise.all(
      participantIds.map(async (id) =>
        (await stack.db.query<{ at: Date }>(`SELECT last_poll_at AS at FROM connector_states WHERE participant_id = $1`, [id]))[0].at.getTime(),
      ),
    );
  let last = await polls();
  let seen = 0;
  await eventually(
    `${rounds} more polls of ${participantIds.join(', ')}`,
    async () => {
      const now = await polls();
      if (now.every((t, i) => t > last[i])) {
        seen++;
        last = now;
      }
      return seen >= rounds;
    },
    timeoutMs,
  );
}
