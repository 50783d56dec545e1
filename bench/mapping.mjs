// The cost of mapping one ticket change with each built-in profile (issue 15):
// native message → canonical command (inbound, including the check against the
// API's request schema) and canonical event → native request (outbound), in
// this process, on compiled and cached profiles as the hub holds them. The
// baseline is what any translation costs at least: JSON.parse(JSON.stringify())
// of the same message. Median over --runs runs of `iterations` changes each.
// `npm run bench:mapping` runs it alone (after a build); `npm run bench` includes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The status-change sample of each built-in profile (test/fixtures/mapping). */
const SAMPLES = {
  znuny: 'webhook-state-update.json',
  zammad: 'webhook-state-open.json',
  'jira-service-management': 'webhook-issue-updated-status.json',
  servicenow: 'incident-in-progress.json',
  rt5: 'transaction-status-open.json',
  tmf621: 'trouble-ticket-status-change-event-pending.json',
};

/** A canonical status change as the outbox hands it to a renderer. */
function statusChanged(participantId) {
  const ticket = {
    id: '0193a1b2-0000-7000-8000-000000000001',
    version: 4,
    type: 'incident',
    subject: 'Anmeldung mit BundID schlägt fehl',
    description: 'Nach der Anmeldung erscheint Fehler 500.',
    service: { id: 'svc-demo-wohngeld', name: 'Wohngeld online' },
    impact: 2,
    urgency: 2,
    priority: 3,
    status: 'in_progress',
    origin: { participantId: 'de-he-mila', externalId: 'MILA-1' },
    assignee: { participantId, externalId: '4711' },
    references: [],
    supportLevel: 1,
    channel: 'phone_115',
    comments: [],
    attachments: [],
    reportedAt: '2026-12-02T08:00:00Z',
    createdAt: '2026-12-02T08:00:01Z',
    updatedAt: '2026-12-02T09:00:00Z',
  };
  const body = {
    id: '0193a1b2-0000-7000-8000-000000000002',
    type: 'ticket.status_changed',
    ticketId: ticket.id,
    ticketVersion: 4,
    occurredAt: '2026-12-02T09:00:00Z',
    actor: { participantId: 'de-he-mila' },
    data: { status: 'in_progress', previousStatus: 'waiting' },
    ticket,
  };
  return { type: body.type, body };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function microsPerCall(iterations, fn) {
  for (let i = 0; i < Math.min(2000, iterations); i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1000 / iterations;
}

/**
 * @param {{ runs?: number, iterations?: number }} [options]
 * @returns {Promise<Array<{ profile: string, inboundUs: number, outboundUs: number, perChangeUs: number, baselineUs: number }>>}
 */
export async function measureMapping({ runs = 5, iterations = 5000 } = {}) {
  const load = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
  const { MappingEngine } = await load('libs/mapping/src/index.js');
  const { CodelistRegistry, defaultCodelistDirectory } = await load('libs/codelists/src/index.js');
  const { loadOpenApiDocument } = await load('libs/contracts/src/index.js');
  const engine = new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument());
  const results = [];
  for (const [id, file] of Object.entries(SAMPLES)) {
    const profile = engine.compile({ extends: id });
    const sample = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/mapping', id, file), 'utf8'));
    const context = { participantId: 'de-be-bela' };
    const event = statusChanged(context.participantId);
    // Both directions must work on these inputs, or the figure means nothing.
    await profile.inbound(sample, context);
    if (!(await profile.outbound(event, context)).request) throw new Error(`${id} renders no request for ${event.type}`);
    const inbound = [];
    const outbound = [];
    const baseline = [];
    for (let run = 0; run < runs; run++) {
      inbound.push(await microsPerCall(iterations, () => profile.inbound(sample, context)));
      outbound.push(await microsPerCall(iterations, () => profile.outbound(event, context)));
      baseline.push(await microsPerCall(iterations, () => JSON.parse(JSON.stringify(sample))));
    }
    const [inboundUs, outboundUs, baselineUs] = [median(inbound), median(outbound), median(baseline)];
    results.push({ profile: id, inboundUs, outboundUs, perChangeUs: inboundUs + outboundUs, baselineUs });
  }
  return results;
}

/** @param {Awaited<ReturnType<typeof measureMapping>>} results */
export function mappingTable(results) {
  const f = (x) => x.toFixed(1).padStart(8);
  return [
    'mapping per change (µs, median)   inbound  outbound  in+out  JSON round trip',
    ...results.map((r) => `  ${r.profile.padEnd(30)}${f(r.inboundUs)}${f(r.outboundUs)}${f(r.perChangeUs)}${f(r.baselineUs)}`),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 5);
  for (const line of mappingTable(await measureMapping({ runs }))) console.log(line);
}
