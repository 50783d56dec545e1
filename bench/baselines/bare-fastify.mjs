// Baseline 1: a bare Fastify route (no Nest, no ORM) doing the hub's ticket
// creation with `pg` directly, against a database migrated and seeded
// exactly like the hub's, statement for statement as the hub issues them
// (libs/tickets/src/create-ticket.usecase.ts): one routing read, then one
// write statement (ticket, two parties, the event with its snapshot, the
// deliveries); the requester encrypted with AES-256-GCM; answered 201 with
// the ticket view. When the hub's statements change, change these too:
// the benchmark prints statements per create for both, so drift shows.
// It skips what is hub policy rather than storage: token verification,
// OpenAPI validation, idempotency keys, the signed receipt, the Redis enqueue.
// Run as a child process: DATABASE_URL, PORT; prints "ready" when listening.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'bench-bare-fastify' });
const dataKey = randomBytes(32);
/** @type {Record<number, Record<number, number>>} */
const PRIORITY = { 1: { 1: 1, 2: 2, 3: 3 }, 2: { 1: 2, 2: 3, 3: 4 }, 3: { 1: 3, 2: 4, 3: 5 } };

/** @param {unknown} value */
function encrypt(value) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
}

/** @param {Record<string, unknown>} o */
const compact = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

// Rows and request bodies are JSON as the database and the client send them: typed `any`, as in the hub's raw SQL paths.
/**
 * @param {any} t
 * @param {any} service
 * @param {any} [requester]
 */
function view(t, service, requester) {
  return compact({
    id: t.id,
    version: t.version,
    type: t.type,
    subject: t.subject,
    description: t.description,
    service: compact({ id: service.id, name: service.name, leikaKey: service.leikaKey }),
    category: t.category,
    impact: t.impact,
    urgency: t.urgency,
    priority: t.priority,
    status: t.status,
    origin: { participantId: t.originId, externalId: t.externalId },
    assignee: { participantId: t.assigneeId },
    references: [
      { participantId: t.originId, externalId: t.externalId, role: 'origin' },
      { participantId: t.assigneeId, role: 'assignee' },
    ],
    supportLevel: t.supportLevel,
    channel: t.channel,
    requester,
    comments: [],
    attachments: [],
    createdAt: t.now.toISOString(),
    updatedAt: t.now.toISOString(),
  });
}

// The hub's two statements per create (libs/tickets/src/create-ticket.usecase.ts):
// one routing read (service, enabled rules, every participant involved, as
// JSON), then one write (ticket, parties, event, deliveries in CTEs), both
// as named (prepared) statements like the hub's.
const ROUTING_READ = `WITH s AS (SELECT * FROM services WHERE id = $1),
       r AS (SELECT * FROM routing_rules WHERE enabled AND $3::text IS NULL)
  SELECT (SELECT json_build_object('id', s.id, 'name', s.name, 'leikaKey', s.leika_key, 'operatorId', s.operator_id) FROM s) AS service,
         (SELECT coalesce(json_agg(json_build_object('serviceId', r.service_id, 'originLand', r.origin_land, 'category', r.category, 'targetId', r.target_id) ORDER BY r.position), '[]'::json) FROM r) AS rules,
         (SELECT coalesce(json_agg(json_build_object('id', p.id, 'land', p.land, 'status', p.status, 'deliveryUrl', p.delivery_url)), '[]'::json) FROM participants p
           WHERE p.id = $2 OR p.id = $3 OR p.id IN (SELECT operator_id FROM s) OR p.id IN (SELECT target_id FROM r)) AS participants`;
const INSERT_TICKET = `WITH ticket AS (
    INSERT INTO tickets (id, version, type, subject, description, service_id, category, impact, urgency, priority, status,
      origin_id, origin_external_id, assignee_id, resolver_id, sender_id, support_level, channel, requester_enc, resolution,
      reported_at, created_at, updated_at, due_at, resolved_at, closed_at)
    VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, 'forwarded', $10, $11, $12, NULL, $10, $13, $14, $15, NULL, $16, $17, $17, $18, NULL, NULL)
  ), parties AS (
    INSERT INTO ticket_parties (ticket_id, participant_id, external_id, joined_at, joined_version) VALUES ($1, $10, $11, $17, 1), ($1, $12, NULL, $17, 1)
  ), event AS (
    INSERT INTO ticket_events (id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot, hash)
    VALUES ($19, $1, 1, 'ticket.forwarded', $10, $17, $20, $21, $26)
  ), message AS (
    INSERT INTO outbox_messages (id, payload, created_at) SELECT $24, $25, $17 WHERE cardinality($22::uuid[]) > 0
  )
  INSERT INTO deliveries (id, event_id, ticket_id, ticket_version, receiver_id, message_id, status, attempts, next_attempt_at, created_at)
  SELECT d.id, $19, $1, 1, d.receiver_id, $24, 'pending', 0, $17, $17
    FROM unnest($22::uuid[], $23::text[]) AS d(id, receiver_id)`;

/**
 * @param {any[]} rules
 * @param {any} origin
 * @param {any} operator
 * @param {any} input
 * @returns {string}
 */
function chooseAssignee(rules, origin, operator, input) {
  const rule = rules.find(
    (r) =>
      (r.serviceId === null || r.serviceId === input.serviceId) &&
      (r.originLand === null || r.originLand === origin.land) &&
      (r.category === null || input.category === r.category || input.category?.startsWith(`${r.category}.`)),
  );
  return rule ? rule.targetId : operator.id;
}

/**
 * @param {string} originId
 * @param {any} input
 */
async function createTicket(originId, input) {
  const { rows } = await pool.query({ name: 'routing', text: ROUTING_READ, values: [input.serviceId, originId, null] });
  const { service, rules } = rows[0];
  if (!service) throw Object.assign(new Error('unknown service'), { statusCode: 422 });
  /** @type {Map<string, any>} */
  const participants = new Map(rows[0].participants.map((/** @type {any} */ p) => [p.id, p]));
  const assigneeId = chooseAssignee(rules, participants.get(originId), participants.get(service.operatorId), input);
  const receivers = participants.get(assigneeId)?.deliveryUrl ? [assigneeId] : [];
  const now = new Date();
  const t = {
    id: uuidv7(),
    version: 1,
    type: input.type,
    subject: input.subject,
    description: input.description ?? null,
    category: input.category ?? null,
    impact: input.impact,
    urgency: input.urgency,
    priority: PRIORITY[input.impact][input.urgency],
    status: 'forwarded',
    originId,
    externalId: input.externalId,
    assigneeId,
    supportLevel: input.supportLevel ?? 1,
    channel: input.channel,
    now,
  };
  const data = { status: 'forwarded', previousStatus: 'new', assignee: { participantId: assigneeId } };
  const eventId = uuidv7();
  const snapshot = view(t, service);
  // Like the hub's outbox: the body the deliveries will send, rendered now and stored once.
  const payload = JSON.stringify({
    id: eventId,
    type: 'ticket.forwarded',
    ticketId: t.id,
    ticketVersion: 1,
    occurredAt: now.toISOString(),
    actor: { participantId: originId },
    data,
    ticket: snapshot,
  });
  await pool.query({
    name: 'create',
    text: INSERT_TICKET,
    values: [
      t.id,
      t.type,
      t.subject,
      t.description,
      service.id,
      t.category,
      t.impact,
      t.urgency,
      t.priority,
      originId,
      t.externalId,
      assigneeId,
      t.supportLevel,
      t.channel,
      input.requester ? encrypt(input.requester) : null,
      null,
      now,
      null,
      eventId,
      JSON.stringify(data),
      JSON.stringify(snapshot),
      receivers.map(() => uuidv7()),
      receivers,
      uuidv7(),
      payload,
      // The column is required; the bare baseline hashes the event's JSON without canonicalising it.
      createHash('sha256').update(JSON.stringify(data)).update(JSON.stringify(snapshot)).digest('hex'),
    ],
  });
  return view(t, service, input.requester);
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.get('/health', async () => ({ status: 'ok' }));
app.post('/v1/tickets', async (request, reply) => {
  // The load generator sends the hub's bearer token; this baseline does not verify it.
  const origin = request.headers['x-bench-origin'];
  const ticket = await createTicket(typeof origin === 'string' ? origin : 'demo-mila', request.body);
  return reply.code(201).header('location', `/v1/tickets/${ticket.id}`).header('etag', '"1"').send(ticket);
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`ready ${/** @type {import('node:net').AddressInfo} */ (app.server.address()).port}`);
