import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 7), Buffer.from('\n%%EOF\n')]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function newTicket(hub: InProcessHub): Promise<string> {
  const r = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: {
      externalId: `ATT-${Date.now()}-${Math.random()}`,
      type: 'incident',
      subject: 'Anhang',
      serviceId: 'svc-demo-wohngeld',
      impact: 3,
      urgency: 2,
      channel: 'email',
    },
  });
  return r.body.id;
}

const upload = (hub: InProcessHub, as: string, ticketId: string, content: Buffer, mediaType: string, filename: string) =>
  hub.api.call('POST', `/v1/tickets/{ticketId}/attachments?filename=${encodeURIComponent(filename)}` as '/v1/tickets/{ticketId}/attachments', {
    as,
    params: { ticketId },
    rawBody: content as unknown as string,
    headers: { 'content-type': mediaType },
  });

async function download(hub: InProcessHub, as: string, location: string) {
  const token = await hub.api.token(as);
  const r = await fetch(hub.url + location, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

describe.each([
  ['PostgreSQL', {}],
  ['a directory', { ATTACHMENT_DIR: mkdtempSync(join(tmpdir(), 'attachments-')) }],
])('attachments stored in %s', (_where, env: Record<string, string>) => {
  let hub: InProcessHub;
  beforeAll(async () => {
    hub = await startInProcessHub(undefined, { ATTACHMENT_MAX_BYTES: String(64 * 1024), ...env });
  });
  afterAll(() => hub?.close());

  it('uploads, lists with size and sha256, tells the other party, and downloads byte for byte', async () => {
    const ticketId = await newTicket(hub);
    const r = await upload(hub, 'demo-mila', ticketId, pdf, 'application/pdf', 'C:\\Users\\sb\\Bescheid "2026".pdf');
    expect(r.status).toBe(201);
    expect(r.body.version).toBe(2);
    expect(r.body.attachments).toEqual([
      { id: expect.any(String), filename: 'Bescheid 2026.pdf', mediaType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) },
    ]);
    const deliveries = await hub.db.query<{ receiver_id: string }>('SELECT receiver_id FROM deliveries WHERE ticket_id = $1 AND ticket_version = 2', [
      ticketId,
    ]);
    expect(deliveries).toEqual([{ receiver_id: 'demo-bela' }]);

    const file = await download(hub, 'demo-bela', r.headers.get('location')!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(pdf).digest('base64')}:`);
    expect(file.headers.get('content-disposition')).toContain("filename*=UTF-8''Bescheid%202026.pdf");
    expect(file.body.equals(pdf)).toBe(true);
    if (env.ATTACHMENT_DIR) expect(readdirSync(join(env.ATTACHMENT_DIR, ticketId))).toHaveLength(1);
  });

  it('refuses disallowed types, oversized and empty files, and writes nothing', async () => {
    const ticketId = await newTicket(hub);
    const exe = await upload(hub, 'demo-mila', ticketId, Buffer.from('MZ...'), 'application/x-msdownload', 'setup.exe');
    expect(exe.status).toBe(415);
    expect(exe.body.type).toBe('urn:drehscheibe:problem:attachment-type-not-allowed');
    const big = await upload(hub, 'demo-mila', ticketId, Buffer.alloc(65 * 1024, 1), 'image/png', 'big.png');
    expect(big.status).toBe(413);
    const empty = await upload(hub, 'demo-mila', ticketId, Buffer.alloc(0), 'text/plain', 'empty.txt');
    expect([400, 422]).toContain(empty.status);
    const [{ n }] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_attachments WHERE ticket_id = $1', [ticketId]);
    expect(n).toBe(0);
    if (env.ATTACHMENT_DIR) expect(existsSync(join(env.ATTACHMENT_DIR, ticketId))).toBe(false);
  });

  it('keeps files away from participants that are not party to the ticket', async () => {
    const ticketId = await newTicket(hub);
    const r = await upload(hub, 'demo-mila', ticketId, Buffer.from('Protokoll'), 'text/plain', 'log.txt');
    const location = r.headers.get('location')!;
    expect((await download(hub, 'demo-bela', location)).status).toBe(200);
    const stranger = `att-stranger-${Date.now()}`;
    await addParticipant(hub.db, hub.api, stranger);
    expect((await download(hub, stranger, location)).status).toBe(404);
    const otherTicket = await newTicket(hub);
    const wrongTicket = await download(hub, 'demo-bela', location.replace(ticketId, otherTicket));
    expect(wrongTicket.status).toBe(404);
  });
});
