import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * Answers the hub's endpoint handshake as a receiver must: 200 with the
 * challenge echoed. True when `body` was the challenge (answered), false for
 * anything else (a delivery: the caller answers it).
 */
export function answerChallenge(body: string, response: ServerResponse): boolean {
  let parsed: { type?: unknown; challenge?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return false;
  }
  if (parsed?.type !== 'endpoint.verification' || typeof parsed.challenge !== 'string') return false;
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: parsed.challenge }));
  return true;
}

export interface TestReceiver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** Sees each handshake request first; return false to answer it without the echo (a receiver that does not take part). */
  onChallenge?: (request: IncomingMessage, body: string) => boolean;
}

/**
 * A real HTTP receiver on loopback that answers handshakes itself and hands
 * every other request, with its body, to `handler`.
 */
export async function startReceiver(
  handler: (request: IncomingMessage, body: string, response: ServerResponse) => void,
  options: ReceiverOptions = {},
): Promise<TestReceiver> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('"endpoint.verification"') && options.onChallenge?.(request, body) === false) return void response.writeHead(204).end();
      if (!answerChallenge(body, response)) handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A receiver that records the deliveries to `/participants/{id}/webhook`
 * per participant, one per webhook id (delivery is at-least-once), and
 * answers 204.
 */
export async function startRecordingReceiver<T extends { id: string }>(): Promise<TestReceiver & { received: Map<string, T[]> }> {
  const received = new Map<string, T[]>();
  const receiver = await startReceiver((request, body, response) => {
    const participant = /^\/participants\/([^/]+)\/webhook$/.exec(request.url ?? '')?.[1] ?? '?';
    const delivery = JSON.parse(body) as T;
    const list = received.get(participant) ?? [];
    if (!list.some((r) => r.id === delivery.id)) list.push(delivery);
    received.set(participant, list);
    response.writeHead(204).end();
  });
  return { ...receiver, received };
}
