import { randomUUID } from 'node:crypto';
import type { components } from '@drehscheibe/client';
import type { ApiResponse, Operation } from '../support/api-client.js';
import { eventually, Stack } from '../support/stack.js';

/**
 * Issue 12, item 5, on the real processes: the API is killed (SIGKILL) while
 * creates with an Idempotency-Key are in flight. Afterwards every key must
 * become usable again once its lease has run out, and every retry must find
 * the one ticket its request created — or create it, if it never was.
 */
const LEASE_SECONDS = 2;
let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ IDEMPOTENCY_LEASE_SECONDS: String(LEASE_SECONDS), LOG_LEVEL: 'warn' });
  await stack.api.token('demo-mila');
}, 90_000);
afterAll(() => stack?.stop());

interface Attempt {
  key: string;
  /** The defaulted supportLevel left out (openapi-typescript marks it required). */
  body: Omit<components['schemas']['TicketCreate'], 'supportLevel'>;
  /** The status of the first answer, or null when none came (the API died or was down); 503 while it starts. */
  firstStatus: number | null;
}

describe('Idempotency-Key across an API crash', () => {
  it('frees every key after its lease, and each retry answers 201 with the one ticket of its externalId', async () => {
    const attempts: Attempt[] = [];
    let writing = true;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; writing; i++) {
        const attempt: Attempt = {
          key: randomUUID(),
          body: {
            externalId: `CRASH-${w}-${i}-${Date.now()}`,
            type: 'incident',
            subject: 'Absturz mitten im Schreiben',
            serviceId: 'svc-demo-wohngeld',
            impact: 2,
            urgency: 2,
            channel: 'phone_115',
            requester: { name: 'Erika Mustermann', email: 'erika@example.org' },
          },
          firstStatus: null,
        };
        attempts.push(attempt);
        try {
          attempt.firstStatus = (
            await stack.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: attempt.body, headers: { 'idempotency-key': attempt.key } })
          ).status;
          // 503: the API is up but not yet connected to its database.
          if (attempt.firstStatus === 503) await stack.apiReady();
        } catch {
          await stack.apiReady(); // no answer: the API is gone or starting
        }
      }
    });

    const accepted = () => Promise.resolve(attempts.filter((a) => a.firstStatus === 201).length);
    // Two crashes in the middle of the traffic.
    for (let crash = 0; crash < 2; crash++) {
      const before = await accepted();
      await eventually('writes to be accepted', async () => (await accepted()) >= before + 40, 60_000);
      await stack.restartApp('hub-api', 'SIGKILL');
    }
    await eventually('writes to be accepted after the restart', async () => (await accepted()) > 100, 60_000);
    writing = false;
    await Promise.all(writers);

    // No answer, or 503 from an API that was starting again (it changed nothing): both are retried below.
    const unanswered = attempts.filter((a) => a.firstStatus === null || a.firstStatus === 503);
    const [claims] = await stack.db.query<{ unfinished: number; committed: number }>(
      `SELECT count(*) FILTER (WHERE status_code IS NULL)::int AS unfinished,
              count(*) FILTER (WHERE status_code IS NULL AND ticket_id IS NOT NULL)::int AS committed FROM idempotency_keys`,
    );
    console.log(
      `idempotency crash: ${attempts.length} creates, ${unanswered.length} without an answer; ` +
        `${claims.unfinished} keys left unfinished by the crashes, ${claims.committed} of them with a committed ticket`,
    );
    expect(unanswered.length).toBeGreaterThan(0);
    expect(attempts.filter((a) => ![null, 201, 503].includes(a.firstStatus))).toEqual([]);

    // Once the leases have run out, every retry goes through.
    await eventually(
      'the leases of unfinished keys to run out',
      async () =>
        (await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_keys WHERE status_code IS NULL AND locked_until > now()`))[0].n === 0,
      (LEASE_SECONDS + 10) * 1000,
    );
    const retries: Array<{ attempt: Attempt; retry: ApiResponse<Operation<'POST', '/v1/tickets'>> }> = [];
    const queue = [...attempts];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
          retries.push({
            attempt: a,
            retry: await stack.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: a.body, headers: { 'idempotency-key': a.key } }),
          });
        }
      }),
    );
    const tickets = await stack.db.query<{ origin_external_id: string; id: string; n: number }>(
      `SELECT origin_external_id, min(id::text) AS id, count(*)::int AS n FROM tickets WHERE origin_external_id LIKE 'CRASH-%' GROUP BY origin_external_id`,
    );
    const byExternalId = new Map(tickets.map((t) => [t.origin_external_id, t]));
    expect(retries.filter(({ retry }) => retry.status === 409)).toEqual([]);
    for (const { attempt, retry } of retries) {
      expect(retry.status).toBe(201);
      const ticket = byExternalId.get(attempt.body.externalId);
      expect(ticket?.n).toBe(1);
      expect(retry.data.id).toBe(ticket?.id);
      expect(retry.data.requester).toEqual(attempt.body.requester);
    }
    expect(tickets.every((t) => t.n === 1)).toBe(true);
    // A ticket never exists without the attempt that created it.
    expect(tickets.length).toBe(attempts.length);
  }, 180_000);
});
