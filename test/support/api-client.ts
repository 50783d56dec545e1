import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';

const validator = new SpecValidator(loadOpenApiDocument());

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  as?: string;
  params?: Record<string, string>;
  body?: unknown;
  /** Send this exact text as the body instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * Calls the API over real HTTP and checks every answer against the OpenAPI
 * document: a response that breaks the contract fails the test.
 */
export class ApiClient {
  private tokens = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly credentials: Record<string, { clientId: string; clientSecret: string }>,
  ) {}

  addCredentials(as: string, credentials: { clientId: string; clientSecret: string }): void {
    this.credentials[as] = credentials;
  }

  async token(as: string): Promise<string> {
    const cached = this.tokens.get(as);
    if (cached) return cached;
    const creds = this.credentials[as];
    if (!creds) throw new Error(`no credentials for ${as}`);
    const response = await this.call('POST', '/v1/oauth/token', {
      rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (response.status !== 200) throw new Error(`token for ${as}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    this.tokens.set(as, response.body.access_token);
    return response.body.access_token;
  }

  async call<T = any>(method: string, template: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? `{${name}}`));
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) headers.authorization = `Bearer ${await this.token(options.as)}`;
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? undefined;
    const parsed = text && contentType?.includes('json') ? JSON.parse(text) : text;
    const operation = template.split('?')[0];
    if (validator.has(method, operation)) {
      const violations = validator.validateResponse(method, operation, response.status, contentType, parsed);
      if (violations.length > 0) {
        throw new Error(`${method} ${template} → ${response.status} breaks the contract: ${JSON.stringify(violations)}\nbody: ${text.slice(0, 500)}`);
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}
