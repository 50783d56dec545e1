// Baseline 1: a bare Fastify route (no Nest, no ORM) doing the hub's ticket
// creation with `pg` directly, against a database migrated and seeded
// exactly like the hub's, statement for statement as the hub issues them
// (libs/tickets/src/create-ticket.usecase.ts): the routing reads (service and
// rules, then the participants involved) before the transaction, then the
// writes (ticket, two parties, the event with its snapshot, the deliveries)
// in one transaction; the requester encrypted with AES-256-GCM; answered 201
// with the ticket view. When the hub's statements change, change these too:
// the benchmark prints statements per create for both, so drift shows.
// It skips what is hub policy rather than storage: token verification,
// OpenAPI validation, idempotency keys, the signed receipt, the Redis enqueue.
// Run as a child process: DATABASE_URL, PORT; prints "ready" when listening.
import { createCipheriv, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'bench-bare-fastify' });
const dataKey = randomBytes(32);
const PRIORITY = { 1: { 1: 1, 2: 2, 3: 3 }, 2: { 1: 2, 2: 3, 3: 4 }, 3: { 1: 3, 2: 4, 3: 5 } };

function encrypt(value) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
}

const compact = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

function view(t, service, requester) {
  return compact({
    id: t.id,
    version: t.version,
    type: t.type,
    subject: t.subject,
    description: t.description,
    service: compact({ id: service.id, name: service.name, leikaKey: service.leika_key }),
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

function chooseAssignee(rules, origin, operator, input) {
  const rule = rules.find(
    (r) =>
      (r.service_id === null || r.service_id === input.serviceId) &&
      (r.origin_land === null || r.origin_land === origin.land) &&
      (r.category === null || input.category === r.category || input.category?.startsWith(`${r.category}.`)),
  );
  return rule ? rule.target_id : operator.id;
}

async function createTicket(originId, input) {
  // Routing reads, outside the transaction as in the hub: service and rules
  // together, then every participant involved.
  const [services, rules] = await Promise.all([
    pool.query('SELECT id, name, leika_key, operator_id FROM services WHERE id = $1', [input.serviceId]),
    pool.query('SELECT * FROM routing_rules WHERE enabled ORDER BY position'),
  ]).then(([a, b]) => [a.rows, b.rows]);
  const service = services[0];
  if (!service) throw Object.assign(new Error('unknown service'), { statusCode: 422 });
  const ids = [...new Set([originId, service.operator_id, ...rules.map((r) => r.target_id)])];
  const participants = new Map((await pool.query('SELECT id, land, status, delivery_url FROM participants WHERE id = ANY($1)', [ids])).rows.map((p) => [p.id, p]));
  const assigneeId = chooseAssignee(rules, participants.get(originId), participants.get(service.operator_id), input);
  const receivers = participants.get(assigneeId)?.delivery_url ? [assigneeId] : [];

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
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
    await client.query(
      `INSERT INTO tickets (id, version, type, subject, description, service_id, category, impact, urgency, priority, status,
         origin_id, origin_external_id, assignee_id, resolver_id, sender_id, support_level, channel, requester_enc, resolution,
         reported_at, created_at, updated_at, due_at, resolved_at, closed_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,NULL,$12,$15,$16,$17,NULL,NULL,$18,$18,NULL,NULL,NULL)`,
      [t.id, 1, t.type, t.subject, t.description, service.id, t.category, t.impact, t.urgency, t.priority, t.status, originId, t.externalId, assigneeId, t.supportLevel, t.channel, input.requester ? encrypt(input.requester) : null, now],
    );
    await client.query('INSERT INTO ticket_parties (ticket_id, participant_id, external_id, joined_at) VALUES ($1, $2, $3, $5), ($1, $4, NULL, $5)', [t.id, originId, t.externalId, assigneeId, now]);
    const eventId = uuidv7();
    const data = { status: 'forwarded', previousStatus: 'new', assignee: { participantId: assigneeId } };
    await client.query('INSERT INTO ticket_events (id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot) VALUES ($1,$2,1,$3,$4,$5,$6,$7)', [
      eventId,
      t.id,
      'ticket.forwarded',
      originId,
      now,
      JSON.stringify(data),
      JSON.stringify(view(t, service)),
    ]);
    if (receivers.length > 0) {
      const values = receivers.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2}, $${receivers.length * 2 + 1}, $${receivers.length * 2 + 2}, 1, 'pending', 0, $${receivers.length * 2 + 3}, $${receivers.length * 2 + 3})`);
      await client.query(
        `INSERT INTO deliveries (id, receiver_id, event_id, ticket_id, ticket_version, status, attempts, next_attempt_at, created_at) VALUES ${values.join(', ')}`,
        [...receivers.flatMap((id) => [uuidv7(), id]), eventId, t.id, now],
      );
    }
    await client.query('COMMIT');
    return view(t, service, input.requester);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.get('/health', async () => ({ status: 'ok' }));
app.post('/v1/tickets', async (request, reply) => {
  // The load generator sends the hub's bearer token; this baseline does not verify it.
  const ticket = await createTicket(request.headers['x-bench-origin'] ?? 'demo-mila', request.body);
  return reply.code(201).header('location', `/v1/tickets/${ticket.id}`).header('etag', '"1"').send(ticket);
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`ready ${app.server.address().port}`);
