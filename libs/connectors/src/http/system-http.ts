import type { ConnectorAuth } from '../connector-config.js';
import { SystemError } from '../system-connector.js';

/** The header that authenticates the hub at the system. */
export function authHeader(auth: ConnectorAuth): [string, string] {
  switch (auth.kind) {
    case 'basic':
      return ['authorization', `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`];
    case 'bearer':
      return ['authorization', `Bearer ${auth.token}`];
    case 'api-key':
      return [auth.header.toLowerCase(), `${auth.prefix ?? ''}${auth.value}`];
  }
}

/** Told about every request to a system (for metrics): its method, the answer's status or `error`, and how long it took. */
export type RequestObserver = (method: string, outcome: string, seconds: number) => void;

export interface SystemAnswer {
  status: number;
  body: unknown;
}

/**
 * JSON over HTTP to a participant's system: its base URL, its
 * authentication, a timeout. Network failures and non-2xx answers become
 * SystemError with a message that names the request but never the secret.
 */
export class SystemHttp {
  private readonly auth: [string, string];

  constructor(
    private readonly baseUrl: string,
    auth: ConnectorAuth,
    private readonly timeoutMs = 15_000,
    private readonly observe?: RequestObserver,
  ) {
    this.auth = authHeader(auth);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<SystemAnswer> {
    const what = `${method} ${path.split('?')[0]}`;
    let response: Response;
    const started = performance.now();
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
          [this.auth[0]]: this.auth[1],
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      this.observe?.(method, 'error', (performance.now() - started) / 1000);
      const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      throw new SystemError('system-unreachable', `${what}: ${reason}`);
    }
    const text = await response.text();
    this.observe?.(method, String(response.status), (performance.now() - started) / 1000);
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.ok) throw new SystemError('system-answer-invalid', `${what} answered ${response.status} with a body that is not JSON`, response.status);
      }
    }
    if (!response.ok) {
      const detail = typeof parsed === 'object' && parsed && 'message' in parsed ? `: ${String(parsed.message).slice(0, 200)}` : '';
      throw new SystemError(response.status >= 500 ? 'system-unreachable' : 'system-refused', `${what} answered ${response.status}${detail}`, response.status);
    }
    return { status: response.status, body: parsed };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request('GET', path)).body as T;
  }
}
