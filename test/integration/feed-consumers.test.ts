import { randomUUID } from 'node:crypto';
import type { components } from '@drehscheibe/client';
import { validTicket } from '../support/bad-input.js';
import type { TestDatabase } from '../support/database.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';
import { eventually } from '../support/stack.js';

/**
 * Named feed consumers (issue 14, item 8): the hub keeps the cursor, one
 * reader at a time holds the lease, and only the holder's acknowledgement
 * moves the cursor. Two copies of a bridge that read→apply→acknowledge apply
 * each event once.
 */

interface FeedItem {
  id: string;
  type: string;
  ticketId: string;
}

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

const createAsMila = async (on: InProcessHub = hub): Promise<string> => {
  const r = await on.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: validTicket('FC') as components['schemas']['TicketCreate'] });
  expect(r.status).toBe(201);
  return r.data.id;
};

const read = (consumerName: string, options: { as?: string; leaseId?: string; limit?: number; on?: InProcessHub } = {}) =>
  (options.on ?? hub).api.call('GET', '/v1/consumers/{consumerName}/events', {
    as: options.as ?? 'demo-bela',
    params: { consumerName },
    query: { ...(options.leaseId ? { leaseId: options.leaseId } : {}), ...(options.limit ? { limit: options.limit } : {}) },
  });

const ack = (consumerName: string, body: { leaseId: string; cursor: string; release?: boolean }, options: { as?: string; on?: InProcessHub } = {}) =>
  (options.on ?? hub).api.call('POST', '/v1/consumers/{consumerName}/ack', { as: options.as ?? 'demo-bela', params: { consumerName }, body });

const state = (consumerName: string, options: { as?: string; on?: InProcessHub } = {}) =>
  (options.on ?? hub).api.call('GET', '/v1/consumers/{consumerName}', { as: options.as ?? 'demo-bela', params: { consumerName } });

/** Where the caller's feed ends now (read with a cursor of its own, as `GET /v1/events` readers do). */
async function feedEnd(as = 'demo-bela', on: InProcessHub = hub): Promise<string> {
  let cursor: string | undefined;
  for (;;) {
    const r = await on.api.call('GET', '/v1/events', { as, query: { limit: 200, ...(cursor ? { after: cursor } : {}) } });
    if (r.data.items.length === 0) return r.data.nextCursor;
    cursor = r.data.nextCursor;
  }
}

/** A consumer that starts where the caller's feed ends now: only what the test writes reaches it. */
async function freshConsumer(name: string, as = 'demo-bela', on: InProcessHub = hub): Promise<void> {
  const r = await on.api.call('PUT', '/v1/consumers/{consumerName}', { as, params: { consumerName: name }, body: { cursor: await feedEnd(as, on) } });
  expect(r.status).toBe(200);
}

/** Every row of feed_consumers, digested: equal before and after means a request changed nothing. */
async function consumersFootprint(db: TestDatabase): Promise<string> {
  const [row] = await db.query(`SELECT md5(coalesce(string_agg(c::text, ',' ORDER BY c::text), '')) AS digest FROM feed_consumers c`);
  return row.digest as string;
}

const expectLeased = (r: { status: number; headers: Headers; body: unknown }) => {
  expect(r.status).toBe(409);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:consumer-leased', leasedUntil: expect.any(String) as string });
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  return retryAfter;
};

describe('two readers of one consumer', () => {
  it('apply each event of a burst exactly once between them, and none is lost', async () => {
    await freshConsumer('burst');
    const writers = 4;
    const perWriter = 15;
    let writing = true;
    const created = Promise.all(
      Array.from({ length: writers }, async () => {
        const ids: string[] = [];
        for (let i = 0; i < perWriter; i++) ids.push(await createAsMila());
        return ids;
      }),
    ).finally(() => {
      writing = false;
      signal();
    });

    /** What the readers applied, in order: the reader's number and the event. */
    const applied: Array<{ reader: number; item: FeedItem }> = [];
    const refusals = [0, 0];
    const deadline = Date.now() + 60_000;
    const expected = writers * perWriter;

    const takes = [0, 0];
    let wake = () => {};
    let changed = new Promise<void>((resolve) => (wake = resolve));
    /** Wakes every `until` that waits: a reader was refused or took the lease, or the writers finished. */
    const signal = () => {
      const woken = wake;
      changed = new Promise<void>((resolve) => (wake = resolve));
      woken();
    };
    const finished = () => (!writing && applied.length >= expected) || Date.now() >= deadline;
    /** Waits until `condition` holds or the burst is over: re-checked whenever a reader or the writers move on (`signal`). */
    const until = async (condition: () => boolean) => {
      while (!condition() && !finished()) await changed;
    };

    // Each reader: read → apply → acknowledge. Every third page it lets go of
    // the lease (as a bridge that restarts), so the readers take turns. So that
    // the turns happen on a busy machine too, a holder lets go only once the
    // other reader was refused, and then waits until the other took over.
    const reader = async (me: number) => {
      const other = 1 - me;
      let leaseId: string | undefined;
      let pages = 0;
      let refusalsOfOther = 0;
      while (!finished()) {
        const page = await read('burst', { leaseId, limit: 5 });
        if (page.status === 409) {
          expectLeased(page);
          refusals[me]++;
          signal();
          leaseId = undefined;
          // A real bridge waits Retry-After; the test reads again at once to make the readers collide.
          continue;
        }
        expect(page.status).toBe(200);
        if (leaseId === undefined) {
          takes[me]++;
          signal();
          refusalsOfOther = refusals[other];
        }
        leaseId = page.data.leaseId;
        for (const item of page.data.items as FeedItem[]) applied.push({ reader: me, item });
        const release = ++pages % 3 === 0;
        if (release) await until(() => refusals[other] > refusalsOfOther);
        // Counted before letting go: the other may take over before the acknowledgement's answer arrives.
        const takesOfOther = takes[other];
        const done = await ack('burst', { leaseId, cursor: page.data.nextCursor, release });
        expect(done.status).toBe(200);
        if (release) {
          leaseId = undefined;
          await until(() => takes[other] > takesOfOther);
        }
      }
      if (leaseId) expect((await ack('burst', { leaseId, cursor: (await state('burst')).data.cursor, release: true })).status).toBe(200);
    };
    await Promise.all([reader(0), reader(1)]);
    const ids = (await created).flat();

    // Exactly once: one forwarded event per created ticket, no event twice.
    const eventIds = applied.map((a) => a.item.id);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(applied.map((a) => a.item.ticketId).sort()).toEqual([...ids].sort());
    expect(applied.every((a) => a.item.type === 'ticket.forwarded')).toBe(true);
    // Both readers applied some, and each was refused while the other held the lease.
    expect(applied.some((a) => a.reader === 0) && applied.some((a) => a.reader === 1)).toBe(true);
    expect(refusals[0] + refusals[1]).toBeGreaterThan(0);
    console.log(`burst: ${applied.length} events applied once, by reader 0: ${applied.filter((a) => a.reader === 0).length}, refusals ${refusals.join('/')}`);

    // Nothing left behind the acknowledged cursor.
    const rest = await read('burst');
    expect(rest.data.items).toEqual([]);
    expect(rest.data.nextCursor).toBe((await state('burst')).data.cursor);
  }, 90_000);

  it('refuses the second reader while the first holds the lease; the holder gets the same page until it acknowledges', async () => {
    await freshConsumer('bridge');
    const tickets = [await createAsMila(), await createAsMila(), await createAsMila()];

    const first = await read('bridge', { limit: 2 });
    expect(first.status).toBe(200);
    expect((first.data.items as FeedItem[]).map((i) => i.ticketId)).toEqual(tickets.slice(0, 2));
    const { leaseId } = first.data;

    const retryAfter = expectLeased(await read('bridge', { limit: 2 }));
    expect(retryAfter).toBeLessThanOrEqual(30);
    expectLeased(await read('bridge', { leaseId: randomUUID() }));

    // The holder again, not acknowledged yet: the same entries, the same lease, renewed.
    const again = await read('bridge', { leaseId, limit: 2 });
    expect(again.data.items).toEqual(first.data.items);
    expect(again.data.nextCursor).toBe(first.data.nextCursor);
    expect(again.data.leaseId).toBe(leaseId);
    expect(Date.parse(again.data.leasedUntil)).toBeGreaterThanOrEqual(Date.parse(first.data.leasedUntil));

    const acked = await ack('bridge', { leaseId, cursor: first.data.nextCursor });
    expect(acked.data).toMatchObject({
      name: 'bridge',
      cursor: first.data.nextCursor,
      leasedUntil: expect.any(String) as string,
      acknowledgedAt: expect.any(String) as string,
    });

    const next = await read('bridge', { leaseId, limit: 2 });
    expect((next.data.items as FeedItem[]).map((i) => i.ticketId)).toEqual(tickets.slice(2));
    await ack('bridge', { leaseId, cursor: next.data.nextCursor });

    // An older cursor is a no-op: the cursor never moves back.
    const older = await ack('bridge', { leaseId, cursor: first.data.nextCursor });
    expect(older.status).toBe(200);
    expect(older.data.cursor).toBe(next.data.nextCursor);

    // Released, the lease is free for the next reader at once, and it continues where the first stopped.
    expect((await ack('bridge', { leaseId, cursor: next.data.nextCursor, release: true })).data.leasedUntil).toBeUndefined();
    const successor = await read('bridge');
    expect(successor.data.items).toEqual([]);
    expect(successor.data.leaseId).not.toBe(leaseId);
    await ack('bridge', { leaseId: successor.data.leaseId, cursor: successor.data.nextCursor, release: true });
  });

  it('refuses an acknowledgement with a lease that does not hold the consumer, and changes nothing', async () => {
    await freshConsumer('ack-check');
    await createAsMila();
    const page = await read('ack-check');
    const before = await consumersFootprint(hub.db);

    for (const leaseId of [randomUUID(), page.data.leaseId.replace(/^./, (c) => (c === '0' ? '1' : '0'))]) {
      const r = await ack('ack-check', { leaseId, cursor: page.data.nextCursor });
      expect(r.status).toBe(409);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:lease-not-held');
    }
    expect(await consumersFootprint(hub.db)).toBe(before);

    // A released lease is no longer held either.
    await ack('ack-check', { leaseId: page.data.leaseId, cursor: page.data.nextCursor, release: true });
    const cursor = (await state('ack-check')).data.cursor;
    const stale = await ack('ack-check', { leaseId: page.data.leaseId, cursor: page.data.nextCursor });
    expect(stale.status).toBe(409);
    expect(stale.problem.type).toBe('urn:drehscheibe:problem:lease-not-held');
    expect((await state('ack-check')).data).toMatchObject({ cursor });
    expect((await state('ack-check')).data.leasedUntil).toBeUndefined();
  });

  it('creates, moves, lists and deletes consumers, never under a reader that holds the lease', async () => {
    const created = await read('ops');
    expect(created.status).toBe(200);
    // Created by its first read, at the beginning of the feed (what the feed hands out without `after`).
    const fromStart = await hub.api.call('GET', '/v1/events', { as: 'demo-bela', query: { limit: 1 } });
    expect(created.data.items[0]).toEqual(fromStart.data.items[0]);

    const end = await feedEnd();
    for (const change of [
      () => hub.api.call('PUT', '/v1/consumers/{consumerName}', { as: 'demo-bela', params: { consumerName: 'ops' }, body: { cursor: end } }),
      () => hub.api.call('DELETE', '/v1/consumers/{consumerName}', { as: 'demo-bela', params: { consumerName: 'ops' } }),
    ]) {
      const before = await consumersFootprint(hub.db);
      expectLeased(await change());
      expect(await consumersFootprint(hub.db)).toBe(before);
    }

    const listed = await hub.api.call('GET', '/v1/consumers', { as: 'demo-bela' });
    expect(listed.data.items.find((c) => c.name === 'ops')).toMatchObject({ name: 'ops', leasedUntil: created.data.leasedUntil });
    expect(listed.data.items.map((c) => c.name)).toEqual([...listed.data.items.map((c) => c.name)].sort());

    await ack('ops', { leaseId: created.data.leaseId, cursor: created.data.nextCursor, release: true });
    const moved = await hub.api.call('PUT', '/v1/consumers/{consumerName}', { as: 'demo-bela', params: { consumerName: 'ops' }, body: { cursor: end } });
    expect(moved.data).toMatchObject({ name: 'ops', cursor: end });
    expect((await read('ops')).data.items).toEqual([]);

    const later = await state('ops');
    expect(expectLeased(await hub.api.call('DELETE', '/v1/consumers/{consumerName}', { as: 'demo-bela', params: { consumerName: 'ops' } }))).toBeGreaterThan(0);
    expect((await state('ops')).data).toEqual(later.data);
  });
});

describe('consumers belong to their participant', () => {
  it("one participant can neither see, read nor acknowledge another's consumer", async () => {
    await freshConsumer('mine');
    const ticket = await createAsMila();
    const bela = await read('mine');
    expect((bela.data.items as FeedItem[]).map((i) => i.ticketId)).toEqual([ticket]);
    const before = await consumersFootprint(hub.db);
    const belaState = (await state('mine')).data;

    expect((await state('mine', { as: 'demo-mila' })).status).toBe(404);
    const foreignAck = await ack('mine', { leaseId: bela.data.leaseId, cursor: bela.data.nextCursor }, { as: 'demo-mila' });
    expect(foreignAck.status).toBe(404);
    expect(foreignAck.problem.type).toBe('urn:drehscheibe:problem:not-found');
    const foreignDelete = await hub.api.call('DELETE', '/v1/consumers/{consumerName}', { as: 'demo-mila', params: { consumerName: 'mine' } });
    expect(foreignDelete.status).toBe(404);
    expect((await hub.api.call('GET', '/v1/consumers', { as: 'demo-mila' })).data.items.map((c) => c.name)).not.toContain('mine');
    expect(await consumersFootprint(hub.db)).toBe(before);

    // The same name read by the MiLa is the MiLa's own consumer, of its own feed: BeLa's lease does not stop it.
    const mila = await read('mine', { as: 'demo-mila' });
    expect(mila.status).toBe(200);
    expect(mila.data.leaseId).not.toBe(bela.data.leaseId);
    expect((mila.data.items as FeedItem[]).some((i) => i.ticketId === ticket)).toBe(false);
    const crossed = await ack('mine', { leaseId: bela.data.leaseId, cursor: bela.data.nextCursor }, { as: 'demo-mila' });
    expect(crossed.status).toBe(409);
    expect(crossed.problem.type).toBe('urn:drehscheibe:problem:lease-not-held');
    expect((await state('mine')).data).toEqual(belaState);
  });

  it('go with their participant when it is removed (they are not history)', async () => {
    await addParticipant(hub.db, hub.api, 'test-reader');
    expect((await read('bridge', { as: 'test-reader' })).status).toBe(200);
    const removed = await hub.api.call('DELETE', '/v1/participants/{participantId}', { as: 'hub-admin', params: { participantId: 'test-reader' } });
    expect(removed.status).toBe(204);
    expect(await hub.db.query(`SELECT name FROM feed_consumers WHERE participant_id = 'test-reader'`)).toEqual([]);
  });
});

describe('bad input', () => {
  it.each([
    ['an upper-case name', 'Bridge'],
    ['a name with a space', 'rt bridge'],
    ['a name starting with a dot', '.bridge'],
    ['a name of 64 characters', 'a'.repeat(64)],
  ])('refuses %s with 400, nothing created', async (_what, consumerName) => {
    const before = await consumersFootprint(hub.db);
    for (const r of [
      await hub.api.call('GET', '/v1/consumers/{consumerName}/events', { as: 'demo-bela', params: { consumerName } }),
      await hub.api.call('PUT', '/v1/consumers/{consumerName}', { as: 'demo-bela', params: { consumerName }, body: {} }),
    ]) {
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    }
    expect(await consumersFootprint(hub.db)).toBe(before);
  });

  it('refuses bad bodies and parameters with 400 problem+json, and changes nothing', async () => {
    await freshConsumer('strict');
    await createAsMila();
    const page = await read('strict');
    const { leaseId, nextCursor: cursor } = page.data;
    const before = await consumersFootprint(hub.db);
    const cases: Array<[unknown, string]> = [
      [{ cursor }, 'validation-failed'],
      [{ leaseId }, 'validation-failed'],
      [{ leaseId: 'not-a-uuid', cursor }, 'validation-failed'],
      [{ leaseId, cursor, release: 'yes' }, 'validation-failed'],
      [{ leaseId, cursor, extra: 1 }, 'validation-failed'],
      [{ leaseId, cursor: 'bm9wZQ' }, 'invalid-cursor'],
      [{ leaseId, cursor: Buffer.from(JSON.stringify({ x: '1', p: '-1' })).toString('base64url') }, 'invalid-cursor'],
      [[leaseId, cursor], 'validation-failed'],
    ];
    for (const [body, code] of cases) {
      const r = await hub.api.call('POST', '/v1/consumers/{consumerName}/ack', { as: 'demo-bela', params: { consumerName: 'strict' }, untypedBody: body });
      expect([JSON.stringify(body), r.status, r.problem.type]).toEqual([JSON.stringify(body), 400, `urn:drehscheibe:problem:${code}`]);
    }
    const malformed = await hub.api.call('POST', '/v1/consumers/{consumerName}/ack', {
      as: 'demo-bela',
      params: { consumerName: 'strict' },
      rawBody: '{"leaseId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.problem.type).toBe('urn:drehscheibe:problem:malformed-request');
    for (const body of [{ cursor: 'bm9wZQ' }, { cursor: 42 }, { position: 'start' }]) {
      const r = await hub.api.call('PUT', '/v1/consumers/{consumerName}', { as: 'demo-bela', params: { consumerName: 'fresh-one' }, untypedBody: body });
      expect(r.status).toBe(400);
    }
    const badLease = await hub.api.call('GET', '/v1/consumers/{consumerName}/events', {
      as: 'demo-bela',
      params: { consumerName: 'strict' },
      query: { leaseId: 'yesterday' },
    });
    expect(badLease.status).toBe(400);
    const badLimit = await hub.api.call('GET', '/v1/consumers/{consumerName}/events', {
      as: 'demo-bela',
      params: { consumerName: 'strict' },
      query: { limit: 0 },
    });
    expect(badLimit.status).toBe(400);
    expect(await consumersFootprint(hub.db)).toBe(before);
    // The holder still holds its lease and its page.
    expect((await read('strict', { leaseId })).data.items).toEqual(page.data.items);
  });

  it('answers 404 for a consumer that does not exist', async () => {
    expect((await state('never-read')).status).toBe(404);
    const r = await ack('never-read', { leaseId: randomUUID(), cursor: await feedEnd() });
    expect(r.status).toBe(404);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:not-found');
  });
});

describe('a lease that runs out', () => {
  // Short, so that the test waits seconds; long enough that a busy machine still sees it held between two calls.
  const LEASE_SECONDS = 3;
  let short: InProcessHub;
  beforeAll(async () => {
    short = await startInProcessHub(undefined, { FEED_CONSUMER_LEASE_SECONDS: String(LEASE_SECONDS) });
  });
  afterAll(() => short?.close());

  it('is taken over by the next reader, from the last acknowledged cursor; the old holder can no longer acknowledge', async () => {
    await freshConsumer('bridge', 'demo-bela', short);
    const tickets = [await createAsMila(short), await createAsMila(short), await createAsMila(short)];

    // Reader A applies and acknowledges the first page, then reads the second and stops (crashes) before acknowledging.
    const a1 = await read('bridge', { limit: 1, on: short });
    await ack('bridge', { leaseId: a1.data.leaseId, cursor: a1.data.nextCursor }, { on: short });
    const a2 = await read('bridge', { limit: 2, leaseId: a1.data.leaseId, on: short });
    expect((a2.data.items as FeedItem[]).map((i) => i.ticketId)).toEqual(tickets.slice(1));
    expect(expectLeased(await read('bridge', { limit: 2, on: short }))).toBeLessThanOrEqual(LEASE_SECONDS);

    // Reader B polls until the lease has run out, then gets what A never acknowledged.
    const b = await eventually('the lease to run out and reader B to take over', async () => {
      const r = await read('bridge', { limit: 2, on: short });
      return r.status === 200 ? r : undefined;
    });
    expect(b.data.leaseId).not.toBe(a1.data.leaseId);
    expect(b.data.items).toEqual(a2.data.items);

    // A comes back: its acknowledgement is refused, and the cursor stays where A left it.
    const cursorBefore = (await state('bridge', { on: short })).data.cursor;
    expect(cursorBefore).toBe(a1.data.nextCursor);
    const late = await ack('bridge', { leaseId: a1.data.leaseId, cursor: a2.data.nextCursor }, { on: short });
    expect(late.status).toBe(409);
    expect(late.problem.type).toBe('urn:drehscheibe:problem:lease-not-held');
    expect((await state('bridge', { on: short })).data.cursor).toBe(cursorBefore);

    const done = await ack('bridge', { leaseId: b.data.leaseId, cursor: b.data.nextCursor, release: true }, { on: short });
    expect(done.data.cursor).toBe(b.data.nextCursor);
    expect((await read('bridge', { on: short })).data.items).toEqual([]);
  }, 60_000);
});
