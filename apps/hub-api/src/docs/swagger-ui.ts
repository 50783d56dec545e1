import type { SwaggerCustomOptions } from '@nestjs/swagger';

/**
 * Runs in the browser before each "Try it out" request. The example ticket
 * in the contract has a fixed `externalId`, and the hub rightly refuses a
 * second ticket with the same one (409); so that the example can be sent
 * again and again, Swagger UI replaces exactly that example value with a
 * fresh one. Any other value is sent as typed.
 *
 * Serialised with Function.prototype.toString into Swagger UI's init script:
 * it must not use anything from its module (the example value is repeated
 * here on purpose; a test keeps it equal to the contract's).
 */
export function freshExampleExternalId(request: { method?: string; url?: string; body?: unknown }): typeof request {
  if (request.method !== 'POST' || typeof request.body !== 'string' || !/\/v1\/tickets(\?|$)/.test(request.url ?? '')) return request;
  try {
    const body = JSON.parse(request.body) as Record<string, unknown>;
    if (body.externalId === 'MILA-2026-000123') {
      body.externalId = `MILA-${new Date().toISOString().replace(/\D/g, '').slice(0, 17)}-${Math.floor(Math.random() * 1000)}`;
      request.body = JSON.stringify(body, null, 2);
    }
  } catch {
    // Not JSON: the hub answers with a problem document.
  }
  return request;
}

export const SWAGGER_UI_OPTIONS: SwaggerCustomOptions = {
  jsonDocumentUrl: 'docs-json',
  yamlDocumentUrl: 'docs-yaml',
  customSiteTitle: 'Drehscheibe API',
  swaggerOptions: { persistAuthorization: true, tryItOutEnabled: true, requestInterceptor: freshExampleExternalId },
};
