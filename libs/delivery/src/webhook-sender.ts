import { EndpointNotAllowedError, type EndpointPolicy } from '@drehscheibe/security';
import { Agent, request } from 'undici';

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  /** The answer's body as text, when asked for (`keepBody`) and no longer than DRAIN_BYTES. */
  body?: string;
}

export interface OutgoingRequest {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Keep the whole answer (up to DRAIN_BYTES), e.g. for a mapping profile to read the system's ticket number. */
  keepBody?: boolean;
}

const EXCERPT_BYTES = 512;
/** Read at most this much of an answer; a receiver cannot make the worker buffer more. */
const DRAIN_BYTES = 64 * 1024;

/** The start of an answer as text for the message trace; NUL cannot be stored in a PostgreSQL text column. */
function excerptOf(chunks: Buffer[]): string | null {
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replace(/\0/g, '\uFFFD');
  return text || null;
}

function reasonOf(e: unknown, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `timeout after ${timeoutMs} ms`;
  const error = e as Error & { code?: string; cause?: Error & { code?: string } };
  const refused = [error, error.cause].find((x) => x instanceof EndpointNotAllowedError);
  if (refused) return refused.message;
  return error.cause?.code ?? error.code ?? error.message;
}

/**
 * Posts deliveries with undici. Every connection resolves its host through
 * the endpoint policy's lookup, so the hub connects to exactly the address
 * it checked (no DNS-rebinding window), keeps connections alive per
 * receiver, never follows redirects, and never throws: the outcome is data.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    private readonly policy: EndpointPolicy,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ connect: { lookup: policy.lookup, timeout: timeoutMs }, keepAliveTimeout: 4_000 });
  }

  post(url: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    return this.send({ method: 'POST', url, body, headers });
  }

  async send({ method, url, body, headers, keepBody = false }: OutgoingRequest): Promise<SendResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      this.policy.checkUrl(url);
      const response = await request(url, { method: method as 'POST', body, headers, dispatcher: this.agent, signal });
      const chunks: Buffer[] = [];
      let read = 0;
      let whole = true;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (read < EXCERPT_BYTES || keepBody) chunks.push(chunk);
        read += chunk.length;
        if (read >= DRAIN_BYTES) {
          whole = false;
          response.body.destroy();
          break;
        }
      }
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        ok,
        statusCode: response.statusCode,
        latencyMs: latency(),
        error: ok ? null : `HTTP ${response.statusCode}`,
        responseExcerpt: excerptOf(chunks),
        ...(keepBody && whole ? { body: Buffer.concat(chunks).toString('utf8') } : {}),
      };
    } catch (e) {
      return { ok: false, statusCode: null, latencyMs: latency(), error: reasonOf(e, this.timeoutMs, signal.aborted), responseExcerpt: null };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
