import { SystemError } from '../system-connector.js';

/** `fetch` or a stand-in with its signature (tests, proxies). */
export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface JsonRequest {
  method: string;
  /** The full URL. */
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON when given. */
  body?: unknown;
  timeoutMs: number;
  /** How the request is named in error messages (method and path, never the credentials). */
  label: string;
}

export interface JsonResponse {
  status: number;
  /** The parsed JSON body; null when the body was empty; undefined when it was not JSON. */
  body: unknown;
  /** The raw body. */
  text: string;
}

/** The network error's own code (`ECONNREFUSED`, `ENOTFOUND`, …) where fetch gives one. */
function causeOf(error: unknown): string {
  const e = error as { cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

/**
 * One JSON request to a system outside the hub, with a timeout. Any status
 * is returned (the caller decides what a refusal is); a network error or
 * timeout throws SystemError `system-unreachable`. Messages name the request
 * by its label only, so no credential ever reaches one.
 */
export async function requestJson(http: HttpFetch, request: JsonRequest): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  let text: string;
  try {
    response = await http(request.url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new SystemError('system-unreachable', `${request.label}: no answer within ${request.timeoutMs} ms`);
    }
    throw new SystemError('system-unreachable', `${request.label}: ${causeOf(error)}`);
  }
  let body: unknown = null;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
  }
  return { status: response.status, body, text };
}
