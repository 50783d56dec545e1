import { runInNewContext } from 'node:vm';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

type Interceptor = (request: { method: string; url: string; body?: unknown }) => { method: string; url: string; body?: unknown };

/** Runs the init script Swagger UI loads, as the browser would, and returns the options it hands to Swagger UI. */
async function swaggerUiOptions(): Promise<Record<string, unknown>> {
  const script = await (await fetch(`${hub.url}/docs/swagger-ui-init.js`)).text();
  let captured: Record<string, unknown> = {};
  const window: { location: { search: string; origin: string }; onload?: () => void } = { location: { search: '', origin: hub.url } };
  const SwaggerUIBundle = Object.assign(
    (options: Record<string, unknown>) => {
      captured = options;
      return { initOAuth: () => undefined, authActions: { authorize: () => undefined } };
    },
    { presets: { apis: {} }, plugins: { DownloadUrl: {} } },
  );
  runInNewContext(script, { window, SwaggerUIBundle, SwaggerUIStandalonePreset: {} });
  window.onload!();
  return captured;
}

describe('Swagger UI', () => {
  const example = () => {
    const op = loadOpenApiDocument().paths['/v1/tickets'].post as { requestBody: { content: Record<string, { examples: Record<string, { value: object }> }> } };
    return op.requestBody.content['application/json'].examples.login.value as { externalId: string };
  };

  it('can send the example ticket twice: each run gets its own externalId, and both are created', async () => {
    const { requestInterceptor } = (await swaggerUiOptions()) as { requestInterceptor: Interceptor };
    const token = await hub.api.token('demo-mila');
    const send = async () => {
      // What Swagger UI's "Try it out" sends for the example, passed through the interceptor.
      const request = requestInterceptor({ method: 'POST', url: `${hub.url}/v1/tickets`, body: JSON.stringify(example(), null, 2) });
      const response = await fetch(request.url, {
        method: request.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: request.body as string,
      });
      return { status: response.status, body: (await response.json()) as { origin: { externalId: string } } };
    };
    const first = await send();
    const second = await send();
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body.origin.externalId).not.toBe(second.body.origin.externalId);
    expect(first.body.origin.externalId).not.toBe(example().externalId);
  });

  it('leaves every other request as typed, so a repeated own externalId still answers 409', async () => {
    const { requestInterceptor } = (await swaggerUiOptions()) as { requestInterceptor: Interceptor };
    const own = JSON.stringify({ ...example(), externalId: 'MILA-OWN-1' });
    expect(requestInterceptor({ method: 'POST', url: `${hub.url}/v1/tickets`, body: own }).body).toBe(own);
    const comment = JSON.stringify({ externalId: example().externalId });
    expect(requestInterceptor({ method: 'POST', url: `${hub.url}/v1/tickets/x/comments`, body: comment }).body).toBe(comment);
    expect(requestInterceptor({ method: 'GET', url: `${hub.url}/v1/tickets`, body: undefined }).body).toBeUndefined();
  });
});
