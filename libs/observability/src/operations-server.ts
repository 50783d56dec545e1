import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckState } from '@drehscheibe/availability';
import type { HubMetrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckState>;
}

export interface OperationsEndpoints {
  /** Serves `GET /metrics`. */
  metrics?: HubMetrics;
  /** Serves `GET /health/live` and `GET /health/ready` (200 or 503, naming each dependency). */
  readiness?: () => Promise<Readiness>;
}

/**
 * A small plain-HTTP listener for operators: the worker's health checks and
 * metrics, or the API's metrics apart from its public port. No credentials:
 * bind it to the operators' network.
 */
export async function serveOperations(port: number, host: string, endpoints: OperationsEndpoints): Promise<Server> {
  const json = (status: number, body: unknown) => ({ status, type: 'application/json', body: JSON.stringify(body) });
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = async (): Promise<{ status: number; type?: string; body?: string }> => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405 };
      if (path === '/metrics' && endpoints.metrics) return { status: 200, type: endpoints.metrics.contentType, body: await endpoints.metrics.render() };
      if (path === '/health/live' && endpoints.readiness) return json(200, { status: 'ok' });
      if (path === '/health/ready' && endpoints.readiness) {
        const { ready, checks } = await endpoints.readiness();
        return json(ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable', checks });
      }
      return { status: 404 };
    };
    answer().then(
      ({ status, type, body }) => response.writeHead(status, type ? { 'content-type': type } : {}).end(request.method === 'HEAD' ? undefined : body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export const portOf = (server: Server): number => (server.address() as AddressInfo).port;
