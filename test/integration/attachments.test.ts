import { createHash } from 'node:crypto';
import type { TicketActionPath } from '../support/api-client.js';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';
import { ticketFootprint } from '../support/bad-input.js';

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
  return r.data.id;
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
    expect(r.data.version).toBe(2);
    expect(r.data.attachments).toEqual([
      { id: expect.any(String) as unknown, filename: 'Bescheid 2026.pdf', mediaType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) },
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

  // Issue 12, item 15: raw bytes in, the same bytes out, whatever the type; size and sha256 of the bytes.
  it.each([
    ['non-UTF-8 bytes in text/plain', 'text/plain', Buffer.from([0x48, 0xe4, 0x6c, 0x6c, 0xf6, 0x20, 0xff, 0xfe, 0x80, 0x81, 0xc3, 0x28, 0x0a, 0x21, 0x21])],
    ['a NUL byte in text/plain', 'text/plain', Buffer.from('vor\u0000nach\n')],
    ['a JSON object as application/json', 'application/json', Buffer.from('{"b": 2, "a": [1, 2]}')],
    ['a JSON array as application/json', 'application/json', Buffer.from('[1, "zwei", null]')],
    ['a JSON string as application/json', 'application/json', Buffer.from('"nur ein Text"')],
    ['invalid JSON as application/json (a file, not a request)', 'application/json', Buffer.from('{"a": 1,')],
    ['CSV with a charset parameter', 'text/csv; charset=utf-8', Buffer.from('name;ort\nMüller;Köln\n')],
    ['JSON with a charset parameter', 'application/json; charset=UTF-8', Buffer.from('{"ok": true}')],
    ['Latin-1 text declared as such', 'text/plain;charset="ISO-8859-1"', Buffer.from('Gr\u00fc\u00dfe', 'latin1')],
  ])('stores %s byte for byte and serves it back with its media type', async (_what, mediaType, content) => {
    const ticketId = await newTicket(hub);
    const r = await upload(hub, 'demo-mila', ticketId, content, mediaType, 'datei.txt');
    expect(r.status).toBe(201);
    const stored = mediaType.replace(/\s*;\s*charset="?([^"]*)"?/i, (_m, c: string) => `; charset=${c.toLowerCase()}`);
    expect(r.data.attachments).toEqual([
      { id: expect.any(String) as unknown, filename: 'datei.txt', mediaType: stored, size: content.length, sha256: sha256(content) },
    ]);
    const file = await download(hub, 'demo-bela', r.headers.get('location')!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe(stored);
    expect(file.body.equals(content)).toBe(true);
    expect(file.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(content).digest('base64')}:`);
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

/** Real signatures (issue 12, item 14). */
const windowsExe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('This program cannot be run in DOS mode.\r\n')]);
const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);
const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 0, 0]), Buffer.alloc(40), Buffer.from('Rechnung.pdf')]);
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('attachments: content, names and the ticket’s state', () => {
  let hub: InProcessHub;
  beforeAll(async () => {
    hub = await startInProcessHub();
  });
  afterAll(() => hub?.close());

  const attachmentRows = async (ticketId: string) =>
    (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_attachments WHERE ticket_id = $1', [ticketId]))[0].n;

  it.each([
    ['a Windows executable as application/pdf', windowsExe, 'application/pdf', 'Rechnung.pdf', /application\/x-msdownload/],
    ['an ELF binary as image/png', elf, 'image/png', 'foto.png', /application\/x-elf/],
    ['a ZIP archive as application/pdf', zip, 'application/pdf', 'Bescheid.pdf', /application\/zip/],
    ['a PDF as text/plain', pdf, 'text/plain', 'notiz.txt', /application\/pdf/],
    ['a ZIP archive as application/json', zip, 'application/json', 'daten.json', /application\/zip/],
    ['plain text as image/png', Buffer.from('kein Bild'), 'image/png', 'bild.png', /no format/],
  ])('refuses %s with 415, naming both types, and stores nothing', async (_what, content, mediaType, filename, detected) => {
    const ticketId = await newTicket(hub);
    const before = await ticketFootprint(hub.db);
    const r = await upload(hub, 'demo-mila', ticketId, content, mediaType, filename);
    expect(r.status).toBe(415);
    expect(r.body.type).toBe('urn:drehscheibe:problem:attachment-type-not-allowed');
    expect(r.problem.detail).toContain(`declared as ${mediaType}`);
    expect(r.problem.detail).toMatch(detected);
    expect(await attachmentRows(ticketId)).toBe(0);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it.each([
    ['a genuine PDF', pdf, 'application/pdf'],
    ['a genuine PNG', png, 'image/png'],
    ['XML text', Buffer.from('<?xml version="1.0"?><fall nr="1"/>'), 'application/xml'],
  ])('accepts %s', async (_what, content, mediaType) => {
    const ticketId = await newTicket(hub);
    const r = await upload(hub, 'demo-mila', ticketId, content, mediaType, 'datei');
    expect(r.status).toBe(201);
    expect(r.data.attachments[0]).toMatchObject({ mediaType, size: content.length, sha256: sha256(content) });
  });

  // Issue 12, item 16: names that disguise their extension, and names that are no names.
  it.each([
    ['a right-to-left override', 'Rechnung\u202Efdp.exe', 'Rechnungfdp.exe'],
    ['isolates and marks', '\u2066Bescheid\u2069\u200E.pdf\u200F\u061C', 'Bescheid.pdf'],
    ['zero-width and other invisible characters', 'An\u200Btrag\u00AD\uFEFF.pdf\u2060', 'Antrag.pdf'],
    ['200 emoji (never cut inside a surrogate pair)', '😀'.repeat(200), '😀'.repeat(200)],
  ])('strips %s from the file name', async (_what, filename, stored) => {
    const ticketId = await newTicket(hub);
    const r = await upload(hub, 'demo-mila', ticketId, pdf, 'application/pdf', filename);
    expect(r.status).toBe(201);
    expect(r.data.attachments[0].filename).toBe(stored);
    const [row] = await hub.db.query<{ filename: string }>('SELECT filename FROM ticket_attachments WHERE ticket_id = $1', [ticketId]);
    expect(row.filename).toBe(stored);
  });

  it.each(['..', '.', '\u202E..', 'a/..', '\u200B', '...'])('refuses the file name %p with 422 at /query/filename and stores nothing', async (filename) => {
    const ticketId = await newTicket(hub);
    const before = await ticketFootprint(hub.db);
    const r = await upload(hub, 'demo-mila', ticketId, pdf, 'application/pdf', filename);
    expect(r.status).toBe(422);
    expect(r.body.type).toBe('urn:drehscheibe:problem:invalid-attachment');
    expect(r.problem.errors).toEqual([{ pointer: '/query/filename', message: expect.any(String) as unknown }]);
    expect(await attachmentRows(ticketId)).toBe(0);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it.each([
    ['Grüße 😀 (1).pdf', `attachment; filename="Grue  (1).pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%F0%9F%98%80%20%281%29.pdf`],
    ['😀.pdf', `attachment; filename="attachment.pdf"; filename*=UTF-8''%F0%9F%98%80.pdf`],
    ["Rabatt 50% 'neu'.pdf", `attachment; filename="Rabatt 50 'neu'.pdf"; filename*=UTF-8''Rabatt%2050%25%20%27neu%27.pdf`],
    ['Bescheid.pdf', `attachment; filename="Bescheid.pdf"; filename*=UTF-8''Bescheid.pdf`],
  ])('downloads %p with a plain-ASCII filename and the exact filename*', async (filename, disposition) => {
    const ticketId = await newTicket(hub);
    const r = await upload(hub, 'demo-mila', ticketId, pdf, 'application/pdf', filename);
    expect(r.status).toBe(201);
    const file = await download(hub, 'demo-bela', r.headers.get('location')!);
    expect(file.headers.get('content-disposition')).toBe(disposition);
  });

  describe.each([
    ['closed', ['reopenTicket', 'setTicketState']],
    ['cancelled', []],
  ])('a %s ticket', (status, originMay) => {
    let ticketId: string;
    beforeAll(async () => {
      ticketId = await newTicket(hub);
      const act = (as: string, action: string, body: unknown) =>
        hub.api.call('POST', `/v1/tickets/{ticketId}/${action}` as TicketActionPath, { as, params: { ticketId }, untypedBody: body });
      if (status === 'closed') {
        expect((await act('demo-bela', 'acknowledgement', { externalId: 'BELA-ATT' })).status).toBe(200);
        expect((await act('demo-bela', 'resolution', { code: 'solved', text: 'Erledigt' })).status).toBe(200);
        expect((await act('demo-mila', 'close', {})).status).toBe(200);
      } else {
        expect((await act('demo-mila', 'cancel', { reason: 'Zurückgezogen' })).status).toBe(200);
      }
    });

    it.each([
      ['demo-mila', originMay],
      ['demo-bela', []],
    ])('takes no attachment from %s: 409 illegal-transition with what it may do instead', async (as, allowed) => {
      const before = await ticketFootprint(hub.db);
      const r = await upload(hub, as, ticketId, pdf, 'application/pdf', 'spaet.pdf');
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:illegal-transition', currentStatus: status, allowed });
      expect(await attachmentRows(ticketId)).toBe(0);
      expect(await ticketFootprint(hub.db)).toEqual(before);
    });
  });
});
