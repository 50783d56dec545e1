import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { InvalidProfileError, MappingEngine, MappingError, type MappingProfileDocument } from './index.js';

const codelists = CodelistRegistry.fromDirectory(defaultCodelistDirectory());
const spec = loadOpenApiDocument();

/** A small system: numeric states, words for levels, its own ids. */
const ticketly: MappingProfileDocument = {
  description: 'Ticketly test system',
  valueMaps: {
    status: { toCanonical: { '1': 'in_progress', '2': 'waiting', '3': 'resolved', '4': 'closed', '5': 'in_progress' }, toNative: { in_progress: '1' } },
    impact: { toCanonical: { high: '1', medium: '2', low: '3' }, defaultCanonical: '3' },
    urgency: { toCanonical: { high: '1', medium: '2', low: '3' } },
  },
  inbound: {
    rules: [
      {
        name: 'created',
        when: "event = 'created'",
        operation: 'createTicket',
        sourceRef: "'created-' & record.id",
        fields: {
          externalId: 'record.number',
          type: "'incident'",
          subject: 'record.title',
          serviceId: "'online-service'",
          impact: "$toCanonical('impact', record.impact)",
          urgency: "$toCanonical('urgency', record.urgency)",
          channel: "'web_form'",
          'requester.name': 'record.caller',
        },
      },
      {
        name: 'updated',
        when: "event = 'updated'",
        operation: 'setTicketState',
        ticket: 'record.number',
        sourceRef: 'journal',
        fields: { status: "$toCanonical('status', record.state)", text: 'record.note', resolutionCode: "record.state = '3' ? 'solved'" },
      },
    ],
  },
  outbound: {
    requests: [
      {
        name: 'create',
        on: ['ticket.forwarded'],
        method: 'POST',
        path: "'/records'",
        headers: { 'X-Source': "'drehscheibe:' & $participant" },
        fields: { title: 'ticket.subject', impact: "$toNative('impact', ticket.impact)", 'meta.hubId': 'ticket.id' },
      },
      {
        name: 'update',
        on: ['ticket.status_changed', 'ticket.resolved'],
        method: 'PATCH',
        path: "'/records/{externalId}'",
        fields: { state: "$toNative('status', ticket.status)" },
      },
    ],
    answer: { after: ['create'], fields: { status: "'acknowledged'", externalId: 'number' } },
  },
};

const engine = new MappingEngine(codelists, spec, {});
const context = { participantId: 'land-be' };
const created = { event: 'created', record: { id: 7, number: 'T-100', title: 'Login fails', impact: 'high', urgency: 'low', caller: 'Erika Test' } };

function delivery(type: string, ticket: Record<string, unknown>) {
  return {
    type,
    body: { id: 'e1', type, ticketId: 't1', ticketVersion: 2, occurredAt: '2026-12-02T10:00:00Z', actor: { participantId: 'land-mi' }, data: {}, ticket },
  };
}

describe('MappingEngine', () => {
  describe('inbound', () => {
    const profile = engine.compile(ticketly);

    it('turns a native create into the canonical create, with its source reference', async () => {
      const result = await profile.inbound(created, context);
      expect(result).toEqual({
        rule: 'created',
        operation: 'createTicket',
        ticket: undefined,
        sourceRef: 'created-7',
        body: {
          externalId: 'T-100',
          type: 'incident',
          subject: 'Login fails',
          serviceId: 'online-service',
          impact: 1,
          urgency: 3,
          channel: 'web_form',
          requester: { name: 'Erika Test' },
          supportLevel: 1,
        },
      });
    });

    it('maps a native state through the value map, the first rule that applies deciding', async () => {
      const result = await profile.inbound({ event: 'updated', journal: 'j-9', record: { number: 'T-100', state: '3', note: 'Fixed the login' } }, context);
      expect(result).toMatchObject({ rule: 'updated', operation: 'setTicketState', ticket: 'T-100', sourceRef: 'j-9' });
      expect(result.body).toEqual({ status: 'resolved', text: 'Fixed the login', resolutionCode: 'solved' });
    });

    it('uses an explicit default, and refuses a code without one', async () => {
      await expect(profile.inbound({ ...created, record: { ...created.record, impact: 'enormous' } }, context)).resolves.toMatchObject({ body: { impact: 3 } });
      const refused = profile.inbound({ ...created, record: { ...created.record, urgency: 'soonish' } }, context);
      await expect(refused).rejects.toBeInstanceOf(MappingError);
      await expect(refused).rejects.toMatchObject({
        code: 'unmapped-code',
        pointer: '/valueMaps/urgency/toCanonical',
        message: expect.stringContaining('"soonish"') as string,
      });
    });

    it('says when no rule applies', async () => {
      await expect(profile.inbound({ event: 'deleted' }, context)).rejects.toMatchObject({ code: 'no-matching-rule', pointer: '/inbound/rules' });
    });

    it('refuses a result the API would refuse, naming the profile field', async () => {
      const error = await profile.inbound({ ...created, record: { ...created.record, title: '' } }, context).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid-result', pointer: '/inbound/rules/0/fields' });
      expect((error as MappingError).violations).toEqual([
        { pointer: '/inbound/rules/0/fields/subject', message: expect.stringContaining('/subject') as string },
      ]);
    });

    it('requires the ticket number for changes to a ticket', async () => {
      await expect(profile.inbound({ event: 'updated', record: { state: '1' } }, context)).rejects.toMatchObject({
        code: 'invalid-result',
        pointer: '/inbound/rules/1/ticket',
      });
    });

    it('traces every expression and value-map entry, with the same result as without', async () => {
      const message = { event: 'updated', journal: 'j-9', record: { number: 'T-100', state: '5' } };
      const traced = await profile.inbound(message, context, { trace: true });
      const plain = await profile.inbound(message, context);
      expect(traced.body).toEqual(plain.body);
      expect(traced.trace).toEqual(
        expect.arrayContaining([
          { pointer: '/inbound/rules/0/when', value: false },
          { pointer: '/inbound/rules/1/when', value: true },
          { pointer: '/inbound/rules/1/fields/status', value: 'in_progress' },
          { valueMap: 'status', direction: 'toCanonical', from: '5', to: 'in_progress', defaulted: false },
        ]),
      );
      expect(plain.trace).toBeUndefined();
    });
  });

  describe('outbound', () => {
    const profile = engine.compile(ticketly);

    it('renders the request for an event: method, path, headers and body', async () => {
      const { request } = await profile.outbound(delivery('ticket.forwarded', { id: 't1', subject: 'Login fails', impact: 2, status: 'forwarded' }), context);
      expect(request).toEqual({
        name: 'create',
        method: 'POST',
        path: '/records',
        headers: { 'x-source': 'drehscheibe:land-be' },
        body: { title: 'Login fails', impact: 'medium', meta: { hubId: 't1' } },
      });
    });

    it('sends the named native code where several map to one canonical code', async () => {
      const { request } = await profile.outbound(delivery('ticket.status_changed', { status: 'in_progress' }), context);
      expect(request).toMatchObject({ method: 'PATCH', path: '/records/{externalId}', body: { state: '1' } });
    });

    it('renders nothing for an event no request names', async () => {
      expect(await profile.outbound(delivery('ticket.comment_added', { status: 'in_progress' }), context)).toEqual({ request: null });
    });

    it('refuses a canonical code the system has no counterpart for', async () => {
      await expect(profile.outbound(delivery('ticket.status_changed', { status: 'forwarded' }), context)).rejects.toMatchObject({
        code: 'unmapped-code',
        pointer: '/valueMaps/status/toNative',
      });
    });

    it('reads the answer of the requests it names into a desired state', async () => {
      expect(await profile.answer('create', { number: 'T-200' }, context)).toEqual({ state: { status: 'acknowledged', externalId: 'T-200' } });
      expect(await profile.answer('update', { number: 'T-200' }, context)).toEqual({ state: null });
    });
  });

  describe('validation', () => {
    const pointers = (document: MappingProfileDocument) => engine.validate(document).map((v) => v.pointer);

    it('accepts the test profile', () => {
      expect(engine.validate(ticketly)).toEqual([]);
    });

    it('names an expression that does not compile', () => {
      const broken = structuredClone(ticketly);
      broken.inbound!.rules[0].fields.subject = 'record.title &';
      const violations = engine.validate(broken);
      expect(violations).toEqual([{ pointer: '/inbound/rules/0/fields/subject', message: expect.stringMatching(/^does not compile: /) as string }]);
      expect(() => engine.compile(broken)).toThrow(InvalidProfileError);
    });

    it('names target fields the canonical request does not have', () => {
      const unknown = structuredClone(ticketly);
      unknown.inbound!.rules[1].fields.priority = "'1'";
      unknown.outbound!.answer!.fields['ticket.id'] = 'id';
      expect(pointers(unknown)).toEqual(['/inbound/rules/1/fields/priority', '/outbound/answer/fields/ticket.id']);
    });

    it('names codes that are not in the code list, and ambiguous inverses', () => {
      const codes = structuredClone(ticketly);
      codes.valueMaps!.status = { toCanonical: { '1': 'in_progress', '2': 'in-progress', '3': 'resolved', '4': 'resolved' } };
      expect(engine.validate(codes)).toEqual([
        { pointer: '/valueMaps/status/toCanonical/2', message: '"in-progress" is not a code of code list ticket-status' },
        { pointer: '/valueMaps/status/toNative', message: 'must say which of "3", "4" to send for "resolved"' },
      ]);
    });

    it('names value maps an expression uses that the profile lacks', () => {
      const missing = structuredClone(ticketly);
      missing.outbound!.requests[0].fields.kind = "$toNative('type', ticket.type)";
      missing.outbound!.requests[0].fields.cat = "$toNative('colour', ticket.category)";
      expect(engine.validate(missing)).toEqual([
        { pointer: '/outbound/requests/0/fields/kind', message: 'names value map "type": the profile does not define it' },
        { pointer: '/outbound/requests/0/fields/cat', message: expect.stringContaining('names value map "colour": known are status, impact') as string },
      ]);
    });

    it('refuses hub-owned headers, unknown answer requests, duplicate names and a missing ticket expression', () => {
      const bad = structuredClone(ticketly);
      bad.outbound!.requests[0].headers = { 'Webhook-Signature': "'x'" };
      bad.outbound!.answer!.after = ['create', 'nope'];
      bad.inbound!.rules[0].name = 'updated';
      delete bad.inbound!.rules[1].ticket;
      expect(pointers(bad).sort()).toEqual([
        '/inbound/rules/1/name',
        '/inbound/rules/1/ticket',
        '/outbound/answer/after/1',
        '/outbound/requests/0/headers/Webhook-Signature',
      ]);
    });
  });

  describe('extends', () => {
    const base: MappingProfileDocument = {
      valueMaps: { status: { toCanonical: { open: 'in_progress', done: 'resolved' } } },
      inbound: { rules: [{ name: 'state', operation: 'setTicketState', ticket: 'id', fields: { status: "$toCanonical('status', state)" } }] },
      outbound: {
        requests: [{ name: 'update', on: ['*'], method: 'PUT', path: "'/t/{externalId}'", fields: { state: "$toNative('status', ticket.status)" } }],
      },
    };
    const withBase = new MappingEngine(codelists, spec, { znuny: base });

    it('inherits what the profile does not say, and replaces entries by name', async () => {
      const profile = withBase.compile({
        extends: 'znuny',
        valueMaps: { status: { toCanonical: { parked: 'waiting' } } },
        inbound: { rules: [{ name: 'comment', when: 'note', operation: 'addComment', ticket: 'id', fields: { text: 'note' } }] },
        outbound: {
          requests: [{ name: 'update', on: ['*'], method: 'PATCH', path: "'/v2/t/{externalId}'", fields: { status: "$toNative('status', ticket.status)" } }],
        },
      });
      expect(await profile.inbound({ id: 'A1', state: 'parked' }, context)).toMatchObject({ rule: 'state', body: { status: 'waiting' } });
      expect(await profile.inbound({ id: 'A1', note: 'hello' }, context)).toMatchObject({ rule: 'comment', operation: 'addComment', body: { text: 'hello' } });
      expect((await profile.outbound(delivery('ticket.resolved', { status: 'resolved' }), context)).request).toMatchObject({
        method: 'PATCH',
        path: '/v2/t/{externalId}',
        body: { status: 'done' },
      });
      expect(profile.document.valueMaps?.status?.toCanonical).toEqual({ open: 'in_progress', done: 'resolved', parked: 'waiting' });
    });

    it('points at the base for problems there, and refuses an unknown base', () => {
      expect(withBase.validate({ extends: 'zammad' })).toEqual([{ pointer: '/extends', message: expect.stringContaining('known are znuny') as string }]);
      const strict = new MappingEngine(codelists, spec, {
        znuny: { ...base, inbound: { rules: [{ ...base.inbound!.rules[0], fields: { status: "'gone'" } }] } },
      });
      expect(strict.validate({ extends: 'znuny' })).toEqual([]);
      expect(
        strict.validate({ extends: 'znuny', inbound: { rules: [{ name: 'x', operation: 'createTicket', fields: { nope: "'1'" } }] } }).map((v) => v.pointer),
      ).toEqual(['/inbound/rules/0/fields/nope']);
    });
  });
});
