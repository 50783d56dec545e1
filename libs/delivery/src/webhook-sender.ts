export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

const EXCERPT_BYTES = 512;

/** One HTTP POST with a hard timeout; never throws, the outcome is data. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text().catch(() => '');
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      statusCode: response.status,
      latencyMs: Math.round(performance.now() - started),
      error: ok ? null : `HTTP ${response.status}`,
      responseExcerpt: text ? text.slice(0, EXCERPT_BYTES) : null,
    };
  } catch (e) {
    const error = e as Error & { cause?: { code?: string } };
    const reason = error.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (error.cause?.code ?? error.message);
    return { ok: false, statusCode: null, latencyMs: Math.round(performance.now() - started), error: reason, responseExcerpt: null };
  }
}
