import type { ConnectorAuth } from '../connector-config.js';
import { SystemError } from '../system-connector.js';
import { requestJson, type HttpFetch } from './json-http.js';

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
  /** The JSON body; the text when a 2xx answer's body was not JSON (a write that went through is not repeated for that). */
  body: unknown;
  /** Whether the body was JSON. */
  json: boolean;
}

export interface SystemHttpOptions {
  timeoutMs?: number;
  observe?: RequestObserver;
  fetch?: HttpFetch;
}

/**
 * JSON over HTTP to a participant's system: its base URL, its
 * authentication, a timeout, no redirects followed (a credential never goes
 * to another host). No answer is `system-unreachable`, any answer but 2xx
 * `system-refused`; messages name the request, never the credential.
 */
export class SystemHttp {
  private readonly auth: Record<string, string>;
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    /** Null: the caller authenticates each request itself (e.g. with a session cookie). */
    auth: ConnectorAuth | null,
    private readonly options: SystemHttpOptions = {},
  ) {
    this.auth = auth ? Object.fromEntries([authHeader(auth)]) : {};
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<SystemAnswer> {
    const label = `${method} ${path}`;
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    let response;
    try {
      response = await requestJson(this.options.fetch ?? fetch, {
        method,
        url: `${this.baseUrl}${path}`,
        headers: { ...headers, ...this.auth },
        body,
        timeoutMs: this.options.timeoutMs ?? 15_000,
        label,
      });
    } catch (e) {
      this.options.observe?.(method, 'error', took());
      throw e;
    }
    this.options.observe?.(method, String(response.status), took());
    if (response.status < 200 || response.status > 299) throw new SystemError('system-refused', `${label} answered ${response.status}`, response.status);
    const json = response.body !== undefined;
    return { status: response.status, body: json ? response.body : response.text, json };
  }

  /** A read whose answer must be JSON. */
  async get<T>(path: string): Promise<T> {
    return jsonOf<T>(await this.request('GET', path), path);
  }
}

/** The JSON body of a read's answer; `system-answer-invalid` when it is not JSON. */
export function jsonOf<T>(answer: SystemAnswer, path: string): T {
  if (!answer.json || answer.body === null)
    throw new SystemError('system-answer-invalid', `GET ${path} answered ${answer.status} with a body that is not JSON`);
  return answer.body as T;
}
