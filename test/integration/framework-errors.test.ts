import { connect } from 'node:net';
import type { components } from '@drehscheibe/client';
import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';
import { ticketFootprint, validTicket } from '../support/bad-input.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Issue 12, item 10: the answers Fastify and Node give before any route runs
 * (malformed URLs, over-long parameters, unknown routes and methods, bad
 * Content-Type headers, malformed HTTP) are problem+json like every other
 * error, and those an operation can meet are declared in the contract.
 */

type TicketCreate = components['schemas']['TicketCreate'];

const validator = new SpecValidator(loadOpenApiDocument());
let hub: InProcessHub;
let ticketId: string;

beforeAll(async () => {
  hub = await startInProcessHub();
  // validTicket's fields are typed as plain strings and numbers; its values are valid.
  ticketId = (await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: validTicket('FW') as TicketCreate })).data.id;
});
afterAll(() => hub?.close());

/** A request the typed client cannot make (raw URL, odd headers); the answer is checked against `operation` when given. */
async function raw(method: string, url: string, init: { operation?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await fetch(hub.url + url, {
    method,
    headers: { authorization: `Bearer ${await hub.api.token('demo-mila')}`, ...init.headers },
    body: init.body,
  });
  const contentType = response.headers.get('content-type') ?? '';
  const body = (await response.json()) as Record<string, unknown>;
  if (init.operation) expect(validator.validateResponse(method, init.operation, response.status, contentType, body)).toEqual([]);
  return { status: response.status, contentType, headers: response.headers, body };
}

function expectProblem(r: { status: number; contentType: string; body: Record<string, unknown> }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.contentType).toContain('application/problem+json');
  expect(r.body).toMatchObject({
    type: `urn:drehscheibe:problem:${code}`,
    status,
    title: expect.any(String) as unknown,
    correlationId: expect.any(String) as unknown,
  });
}

describe('answers of the router', () => {
  it('a malformed percent-encoding in the path (%FF) → 400 malformed-request, as declared', async () => {
    expectProblem(await raw('GET', '/v1/tickets/%FF', { operation: '/v1/tickets/{ticketId}' }), 400, 'malformed-request');
  });

  it('an over-long path parameter → 414 uri-too-long, as declared, with the correlation id', async () => {
    const r = await raw('GET', `/v1/tickets/${'a'.repeat(500)}`, { operation: '/v1/tickets/{ticketId}', headers: { 'x-correlation-id': 'trace-414' } });
    expectProblem(r, 414, 'uri-too-long');
    expect(r.body.correlationId).toBe('trace-414');
    expect(r.headers.get('x-correlation-id')).toBe('trace-414');
  });

  it('an over-long parameter on a write changes nothing', async () => {
    const before = await ticketFootprint(hub.db);
    const r = await raw('POST', `/v1/tickets/${'a'.repeat(500)}/comments`, {
      operation: '/v1/tickets/{ticketId}/comments',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
    expectProblem(r, 414, 'uri-too-long');
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('an unknown route → 404 not-found', async () => {
    expectProblem(await raw('GET', '/v1/nothing-here'), 404, 'not-found');
  });

  it.each([
    ['DELETE', '/v1/tickets', 'GET, HEAD, POST'],
    ['PUT', `/v1/tickets/{id}`, 'GET, HEAD'],
    ['GET', '/v1/oauth/token', 'POST'],
    ['OPTIONS', '/v1/tickets/{id}/comments', 'POST'],
  ])('a method the path does not take: %s %s → 405 with Allow: %s', async (method, path, allow) => {
    const r = await raw(method, path.replace('{id}', ticketId));
    expectProblem(r, 405, 'method-not-allowed');
    expect(r.headers.get('allow')).toBe(allow);
  });
});

describe('answers of body reading', () => {
  it('a Content-Type that is no media type → 415, as declared, nothing written', async () => {
    const before = await ticketFootprint(hub.db);
    const r = await raw('POST', '/v1/tickets', {
      operation: '/v1/tickets',
      headers: { 'content-type': 'json, please' },
      body: JSON.stringify(validTicket('FW')),
    });
    expectProblem(r, 415, 'unsupported-media-type');
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('a body over the limit on an operation without a body → 413, as declared', async () => {
    const r = await raw('POST', `/v1/receivers/demo-bela/pause`, {
      operation: '/v1/receivers/{participantId}/pause',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expectProblem(r, 413, 'payload-too-large');
  });

  it('an empty JSON body → 400 malformed-request', async () => {
    expectProblem(
      await raw('POST', `/v1/tickets/${ticketId}/comments`, { operation: '/v1/tickets/{ticketId}/comments', headers: { 'content-type': 'application/json' } }),
      400,
      'malformed-request',
    );
  });
});

/** Sends bytes Node's HTTP parser refuses, and reads the whole answer. */
function rawHttp(request: string): Promise<{ status: number; headers: string; body: Record<string, unknown> }> {
  const { port } = new URL(hub.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, body] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) as Record<string, unknown> });
    });
    socket.write(request);
  });
}

describe('answers of the HTTP parser', () => {
  it.each([
    ['a request line that is not HTTP', 'HELLO WORLD\r\n\r\n'],
    ['a header value with NUL', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Note: a\u0000b\r\n\r\n'],
    ['both Content-Length and Transfer-Encoding', 'POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}'],
  ])('%s → 400 malformed-request as problem+json', async (_what, request) => {
    const r = await rawHttp(request);
    expect(r.status).toBe(400);
    expect(r.headers).toContain('content-type: application/problem+json');
    expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:malformed-request', status: 400, correlationId: expect.any(String) as unknown });
  });

  it('headers over 16 KiB → 431 headers-too-large as problem+json', async () => {
    const r = await rawHttp(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(r.headers).toContain('content-type: application/problem+json');
    expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:headers-too-large', status: 431 });
  });
});

describe('the contract', () => {
  const document = loadOpenApiDocument();
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    ['get', 'put', 'post', 'patch', 'delete']
      .filter((m) => item[m])
      .map((method) => ({ path, method, op: item[method] as { responses: Record<string, unknown>; requestBody?: unknown } })),
  );

  it.each(operations)('$method $path declares the answers the framework can give it', ({ path, method, op }) => {
    const expected = ['400'];
    if (method !== 'get') expected.push('413', '415');
    if (path.includes('{')) expected.push('414');
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(expected));
  });
});
