import { createHubClient, TokenCache, type ClientCredentials, type HubClient, type Middleware, type paths } from '@drehscheibe/client';
import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';

const validator = new SpecValidator(loadOpenApiDocument());

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

/** The paths of the API that answer `method`. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<Lowercase<M>, object> ? P : never;
}[keyof paths];

/** The ticket commands, `POST /v1/tickets/{ticketId}/<action>`, for tests that pick the action at run time. */
export type TicketActionPath = Extract<PathOf<'POST'>, `/v1/tickets/{ticketId}/${string}`>;

/** A ticket command by name (`rejection`, `forward`, ...). */
export type TicketAction = TicketActionPath extends `/v1/tickets/{ticketId}/${infer A}` ? A : never;
type TicketActionOptions<A extends TicketAction> = CallOptions<Operation<'POST', `/v1/tickets/{ticketId}/${A}`>>;
/** The request body of a ticket command. */
export type TicketCommandBody<A extends TicketAction> = TicketActionOptions<A>['body'];

/** The operation object that `openapi-typescript` generated for `method path`. */
export type Operation<M extends Method, P extends PathOf<M>> = paths[P][Lowercase<M>];

type Responses<O> = O extends { responses: infer R } ? R : never;
type Content<R> = R extends { content: infer C } ? C[keyof C] : undefined;
type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206 | 207;
// Distributive over O: a path chosen at run time (a union of operations) gives the union of their bodies.
type BodyOf<O, S> = O extends unknown ? { [K in keyof Responses<O>]: K extends S ? Content<Responses<O>[K]> : never }[keyof Responses<O>] : never;
type OtherBodyOf<O, S> = O extends unknown ? { [K in keyof Responses<O>]: K extends S ? never : Content<Responses<O>[K]> }[keyof Responses<O>] : never;
/** The body of a 2xx answer of an operation. */
export type SuccessBody<O> = BodyOf<O, SuccessStatus>;
/** The body of any other answer of an operation (a problem, mostly). */
export type ProblemBody<O> = OtherBodyOf<O, SuccessStatus>;
type RequestBody<O> = O extends { requestBody: { content: infer C } } ? C[keyof C] : O extends { requestBody?: { content: infer C } } ? C[keyof C] : never;
type PathParams<O> = O extends { parameters: { path: infer P } } ? P : Record<string, string>;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export interface CallOptions<O> {
  /** Call as this participant (bearer token for its credentials). */
  as?: string;
  /** Path parameters, filled into the template. */
  params?: PathParams<O>;
  /** Query parameters. */
  query?: QueryParams<O>;
  /**
   * The request body, as the operation declares it; sent as JSON. Partial because
   * openapi-typescript marks properties with a default as required (its
   * `defaultNonNullable`), though a request may leave them out.
   */
  body?: Partial<RequestBody<O>>;
  /** Any value sent as JSON without a compile-time check: for tests that send input the API must refuse. */
  untypedBody?: unknown;
  /** Send this exact text as the body (no content type unless `headers` gives one). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** An answer, validated against the OpenAPI document before the test sees it. */
export class ApiResponse<O> {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    /** The body as received (parsed when JSON): any of the operation's documented answers. */
    readonly body: SuccessBody<O> | ProblemBody<O>,
  ) {}

  /** The body of a 2xx answer; throws for any other status (the test expected success). */
  get data(): SuccessBody<O> {
    if (this.status < 200 || this.status > 299) throw new Error(`expected a 2xx answer, got ${this.status}: ${JSON.stringify(this.body)}`);
    return this.body as SuccessBody<O>;
  }

  /** The body of a non-2xx answer (a problem document); throws for a 2xx (the test expected a refusal). */
  get problem(): ProblemBody<O> {
    if (this.status >= 200 && this.status <= 299) throw new Error(`expected a refusal, got ${this.status}: ${JSON.stringify(this.body)}`);
    return this.body as ProblemBody<O>;
  }
}

/** Parsed bodies of validated answers, handed from the middleware to `call`. */
const received = new WeakMap<Response, unknown>();

/**
 * Checks every answer against the OpenAPI document: a response that breaks
 * the contract fails the test. Operations the document does not describe are
 * passed through (tests also probe undocumented paths).
 */
const validateAgainstSpec: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const text = await response.clone().text();
    const contentType = response.headers.get('content-type') ?? undefined;
    const parsed: unknown = text && contentType?.includes('json') ? JSON.parse(text) : text;
    received.set(response, parsed);
    const operation = schemaPath.split('?')[0];
    if (validator.has(request.method, operation)) {
      const violations = validator.validateResponse(request.method, operation, response.status, contentType, parsed);
      if (violations.length > 0) {
        throw new Error(`${request.method} ${schemaPath} → ${response.status} breaks the contract: ${JSON.stringify(violations)}\nbody: ${text.slice(0, 500)}`);
      }
    }
    return undefined;
  },
};

/**
 * Calls the API over real HTTP through the typed client (`@drehscheibe/client`)
 * and checks every answer against the OpenAPI document.
 */
export class ApiClient {
  /** The typed client underneath (answers validated too), for tests that want openapi-fetch's own shape. */
  readonly hub: HubClient;
  private readonly tokens: TokenCache;

  constructor(
    readonly baseUrl: string,
    private readonly credentials: Record<string, ClientCredentials>,
    /** Another fetch than the global one (e.g. over HTTPS with the test's CA and a client certificate). */
    fetch?: (request: Request) => Promise<Response>,
  ) {
    this.hub = createHubClient({ baseUrl, middleware: [validateAgainstSpec], fetch });
    this.tokens = new TokenCache(this.hub);
  }

  /** Credentials as the admin API issues them; only a client with a secret can be used here. */
  addCredentials(as: string, credentials: { clientId: string; clientSecret?: string }): void {
    if (credentials.clientSecret === undefined) throw new Error(`client ${credentials.clientId} has no secret`);
    this.credentials[as] = { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
  }

  async token(as: string): Promise<string> {
    const creds = this.credentials[as];
    if (!creds) throw new Error(`no credentials for ${as}`);
    return this.tokens.token(creds);
  }

  /**
   * One call. `path` is the template of the operation (a query string may be
   * appended with a cast, e.g. for malformed queries); the answer is typed by
   * the operation's documented responses.
   */
  async call<M extends Method, P extends PathOf<M>>(method: M, path: P, options: CallOptions<Operation<M, P>> = {}): Promise<ApiResponse<Operation<M, P>>> {
    const headers: Record<string, string | null> = { ...options.headers };
    if (options.as) headers.authorization = `Bearer ${await this.token(options.as)}`;
    let body: unknown = options.body !== undefined ? options.body : options.untypedBody;
    let bodySerializer = (value: unknown) => JSON.stringify(value);
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      bodySerializer = (value) => value as string;
      // Let fetch pick the content type of a text body, as a plain fetch would.
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = null;
    }
    const { response } = await this.hub.request(
      method.toLowerCase() as Lowercase<M>,
      path as never,
      {
        params: { path: options.params, query: options.query },
        body,
        bodySerializer,
        headers,
        parseAs: 'text',
      } as never,
    );
    return new ApiResponse(response.status, response.headers, received.get(response) as SuccessBody<Operation<M, P>> | ProblemBody<Operation<M, P>>);
  }

  /** A call as the demo administrator (`hub-admin`), the registry and mapping tests' usual caller. */
  admin<M extends Method, P extends PathOf<M>>(
    method: M,
    path: P,
    body?: CallOptions<Operation<M, P>>['body'],
    params?: CallOptions<Operation<M, P>>['params'],
  ) {
    return this.call(method, path, { as: 'hub-admin', body, params });
  }

  /** A ticket command by name, typed by its operation. */
  command<A extends TicketAction>(as: string, action: A, ticketId: string, body: TicketCommandBody<A>, headers: Record<string, string> = {}) {
    return this.call('POST', `/v1/tickets/{ticketId}/${action}`, {
      as,
      // Every ticket command takes `{ticketId}`; the compiler cannot see that through the generic path.
      params: { ticketId } as TicketActionOptions<A>['params'],
      body,
      headers,
    });
  }
}
