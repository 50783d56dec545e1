import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EndpointPolicy, type Resolver } from '@drehscheibe/security';
import { WebhookSender } from './webhook-sender.js';

/** A real receiver on loopback; `handler` decides each answer. */
async function receiver(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A resolver that only knows `receiver.test`, pointing it at loopback, and counts its calls. */
function testResolver(): { resolve: Resolver; calls: () => number } {
  let calls = 0;
  return {
    resolve: (hostname) => {
      calls += 1;
      if (hostname !== 'receiver.test') return Promise.reject(Object.assign(new Error(`unknown host ${hostname}`), { code: 'ENOTFOUND' }));
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    },
    calls: () => calls,
  };
}

describe('WebhookSender', () => {
  const servers: Server[] = [];
  const senders: WebhookSender[] = [];
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const make = (policy: EndpointPolicy, timeoutMs = 5_000) => {
    const sender = new WebhookSender(policy, timeoutMs);
    senders.push(sender);
    return sender;
  };
  const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const r = await receiver(handler);
    servers.push(r.server);
    return r;
  };

  it('connects to the address its own checked lookup returned, not to a second resolution', async () => {
    const target = await serve((_req, res) => res.writeHead(204).end());
    const dns = testResolver();
    // `receiver.test` exists only for this resolver: reaching the server proves the connection used it.
    const result = await make(new EndpointPolicy(true, dns.resolve)).post(`http://receiver.test:${target.port}/hook`, '{}', {});
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(dns.calls()).toBe(1);
  });

  it('refuses a name that resolves to an internal address without ever connecting to it (DNS rebinding)', async () => {
    const target = await serve((_req, res) => res.writeHead(204).end());
    const dns = testResolver();
    const result = await make(new EndpointPolicy(false, dns.resolve)).post(`http://receiver.test:${target.port}/hook`, '{}', {});
    expect(result.ok).toBe(false);
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/non-public address \(127\.0\.0\.1: loopback\)/);
    expect(dns.calls()).toBe(1);
    expect(target.connections()).toBe(0);
  });

  it('refuses a literal internal address before connecting', async () => {
    const target = await serve((_req, res) => res.writeHead(204).end());
    const result = await make(new EndpointPolicy(false)).post(`http://127.0.0.1:${target.port}/hook`, '{}', {});
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/loopback/);
    expect(target.connections()).toBe(0);
  });

  it('does not follow redirects', async () => {
    let hits = 0;
    const target = await serve((req, res) => {
      hits += 1;
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    const result = await make(new EndpointPolicy(true)).post(`http://127.0.0.1:${target.port}/hook`, '{}', {});
    expect(result).toMatchObject({ ok: false, statusCode: 302, error: 'HTTP 302' });
    expect(hits).toBe(1);
  });

  it('keeps a short excerpt of the answer, storable as text even with NUL bytes', async () => {
    const target = await serve((_req, res) => res.writeHead(500).end(Buffer.concat([Buffer.from('boom\0'), Buffer.alloc(200_000, 0x41)])));
    const result = await make(new EndpointPolicy(true)).post(`http://127.0.0.1:${target.port}/hook`, '{}', {});
    expect(result).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500' });
    expect(result.responseExcerpt).toHaveLength(512);
    expect(result.responseExcerpt!.startsWith('boom\uFFFDAAA')).toBe(true);
  });

  it('gives up after the timeout', async () => {
    const target = await serve(() => undefined); // never answers
    const result = await make(new EndpointPolicy(true), 300).post(`http://127.0.0.1:${target.port}/hook`, '{}', {});
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'timeout after 300 ms' });
  });
});
