import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONNECTOR_SETTINGS, SystemError, type ConnectorConfig } from '@drehscheibe/connectors';
import { RtClient } from '../../libs/connectors/src/rt5/rt-client.js';
import { startRtInstance, type RtInstance } from './support/rt-instance.js';

/**
 * How the RT connector authenticates (issue 16): with a user name and
 * password it signs in once and sends RT's session cookie with a
 * same-origin Referer (RT checks every password or token with bcrypt, a
 * session costs nothing), signs in again when the session is gone, and
 * says plainly when RT refuses the sign-in; with a token it sends the token.
 */
let rt: RtInstance;
beforeAll(async () => {
  rt = await startRtInstance({ name: 'client' });
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

const config = (auth: ConnectorConfig['auth']): ConnectorConfig => ({
  participantId: 'p',
  kind: 'rt5',
  baseUrl: rt.baseUrl,
  auth,
  settings: { ...DEFAULT_CONNECTOR_SETTINGS, systemUser: 'drehscheibe' },
  enabled: true,
  configuredAt: '2026-01-01T00:00:00.000Z',
});

/** Counts what went over the wire (real fetch underneath). */
function countingFetch() {
  const calls: string[] = [];
  const counted: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${new URL(input instanceof Request ? input.url : input).pathname}`);
    return fetch(input, init);
  };
  return { calls, fetch: counted };
}

/** RT forgets every web session of this instance (its session files, beside its database). */
function forgetSessions(): void {
  const dir = join(rt.dir, 'session_data');
  const files = readdirSync(dir);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) rmSync(join(dir, file), { force: true });
}

it('signs in once with user name and password, then reads and writes with the session cookie', async () => {
  const wire = countingFetch();
  const client = new RtClient(config({ kind: 'basic', username: rt.users.hub.name, password: rt.users.hub.password }), undefined, wire.fetch);
  const { id } = (await client.request('POST', '/REST/2.0/ticket', { Queue: 'Drehscheibe', Subject: 'Session', Content: 'x', ContentType: 'text/plain' }))
    .body as { id: string };
  for (let i = 0; i < 3; i++) expect((await client.get<{ Subject: string }>(`/REST/2.0/ticket/${id}`)).Subject).toBe('Session');
  await client.request('PUT', `/REST/2.0/ticket/${id}`, { Status: 'open' });
  expect((await client.get<{ Status: string }>(`/REST/2.0/ticket/${id}`)).Status).toBe('open');
  expect(wire.calls.filter((c) => c === 'POST /NoAuth/Login.html')).toHaveLength(1);
  expect(wire.calls.length).toBe(8); // sign-in, its check, create, 3 reads, write, read
});

it('signs in again when RT forgot the session, and the write goes through once', async () => {
  const wire = countingFetch();
  const client = new RtClient(config({ kind: 'basic', username: rt.users.hub.name, password: rt.users.hub.password }), undefined, wire.fetch);
  const { id } = (await client.request('POST', '/REST/2.0/ticket', { Queue: 'Drehscheibe', Subject: 'Expiry', Content: 'x', ContentType: 'text/plain' }))
    .body as { id: string };
  forgetSessions();
  await client.request('POST', `/REST/2.0/ticket/${id}/comment`, { Content: 'after the session was gone', ContentType: 'text/plain' });
  expect(wire.calls.filter((c) => c === 'POST /NoAuth/Login.html')).toHaveLength(2);
  const history = await client.get<{ items: Array<{ Type: string }> }>(`/REST/2.0/ticket/${id}/history?fields=Type`);
  expect(history.items.filter((t) => t.Type === 'Comment')).toHaveLength(1);
});

it('says that RT refused the sign-in, without the password', async () => {
  const client = new RtClient(config({ kind: 'basic', username: rt.users.hub.name, password: 'not-the-password' }));
  const error = (await client.get('/REST/2.0/rt').catch((e: unknown) => e)) as SystemError;
  expect(error).toBeInstanceOf(SystemError);
  expect([error.reason, error.message]).toEqual(['system-refused', `RT refused the sign-in of user ${rt.users.hub.name}`]);
});

it('sends an auth token with every call instead', async () => {
  const wire = countingFetch();
  const client = new RtClient(config({ kind: 'api-key', header: 'Authorization', prefix: 'token ', value: rt.hubToken }), undefined, wire.fetch);
  expect((await client.get<{ Version: string }>('/REST/2.0/rt')).Version).toMatch(/^5\./);
  expect(wire.calls).toEqual(['GET /REST/2.0/rt']);
});
