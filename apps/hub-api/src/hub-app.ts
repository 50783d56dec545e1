import type { HubConfig } from '@drehscheibe/config';
import { MappingProfiles } from '@drehscheibe/mapping';
import { loadOpenApiDocument, parseQueryStrictly, SpecValidator } from '@drehscheibe/contracts';
import { HubMetrics, PinoNestLogger, portOf, serveOperations, type Logger } from '@drehscheibe/observability';
import { createDataSource, DatabaseConnection } from '@drehscheibe/persistence';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { HubApiModule } from './hub-api.module.js';
import { mountQueueBoard } from './admin/queue-board.js';
import { DeliveryQueue } from '@drehscheibe/delivery';
import { BearerAuthentication, ClientSecretAuthentication } from './auth/client-credentials.js';
import { ProblemFilter } from './http/problem.filter.js';
import { SWAGGER_UI_OPTIONS } from './docs/swagger-ui.js';
import { answerClientError, CORRELATION_HEADER, RouteTable, sendProblem } from './http/framework-errors.js';
import { answerFrameworkError } from './http/error-answers.js';
import { installRequestParsing } from './http/request-parsing.js';
import { toSpecPath } from './http/spec-path.js';
import { restarting, unavailableProblem } from './http/unavailable.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;
/** Served before the database is connected: the health checks, the documentation and the metrics need none of it. */
const SERVED_WITHOUT_DATABASE = /^\/(health\/|docs(?:[-/?]|$)|metrics(?:\?|$))/;

export interface HubApp {
  app: NestFastifyApplication;
  /** Every `METHOD /path` the server routes, in OpenAPI path syntax. */
  routes: string[];
  /** The database connection, made in the background; `connect()` settles once it is up. */
  database: DatabaseConnection;
  /** The separate metrics listener's port (API_METRICS_PORT), if any. */
  metricsPort?: number;
}

/** Operations whose body may have any media type (attachments): they get the raw bytes. */
function rawBodyOperations(validator: SpecValidator): Set<string> {
  return new Set(validator.operationKeys().filter((key) => validator.requestMediaTypes(...(key.split(' ') as [string, string])).includes('*/*')));
}

/**
 * Builds the API application: Fastify with a correlation id per request, the
 * hand-written OpenAPI document in Swagger UI, problem+json for every error.
 * It does not wait for PostgreSQL: until the database is connected every
 * route but the health checks answers 503 with Retry-After.
 */
export async function createHubApp(config: HubConfig, logger: Logger): Promise<HubApp> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    disableRequestLogging: true,
    bodyLimit: config.http.bodyLimitBytes,
    requestIdHeader: false,
    routerOptions: { querystringParser: parseQueryStrictly },
    // The router's own refusals (malformed URL, over-long parameter) and Node's (malformed HTTP) as problem+json too.
    frameworkErrors: answerFrameworkError(logger),
    clientErrorHandler: answerClientError(logger),
    // Fastify's own answer while closing is plain JSON; the hook below answers the same 503 as problem+json.
    return503OnClosing: false,
    // Off unless configured: then request.ip is the connection's address (per-source limits of the token endpoint).
    trustProxy: config.http.trustProxy,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers[CORRELATION_HEADER];
      return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    },
  });
  const database = new DatabaseConnection(
    createDataSource({
      url: config.databaseUrl,
      poolSize: 20,
      applicationName: 'drehscheibe-api',
      connectTimeoutMs: config.databaseConnectTimeoutMs,
    }),
    logger.child({ component: 'database' }),
  );
  const routes: string[] = [];
  const fastify: FastifyInstance = adapter.getInstance();
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push(`${method} ${toSpecPath(route.url)}`);
    }
  });
  const document = loadOpenApiDocument();
  // One validator for the whole app. Its request validators are compiled now (a fraction of a second),
  // so no request pays for compiling its operation's schemas; response schemas only tests check.
  const validator = new SpecValidator(document);
  validator.compileRequestValidators();
  installRequestParsing(fastify, { operations: rawBodyOperations(validator), bodyLimit: config.attachments.maxBytes });
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
    if (closing || (!database.connected && !SERVED_WITHOUT_DATABASE.test(request.url))) {
      const refusal = closing ? restarting() : unavailableProblem('database');
      sendProblem(reply, String(request.id), refusal.document, refusal.headers);
      return reply;
    }
  });
  const metrics = new HubMetrics('hub-api');
  // Metrics for the operators' network, without credentials, apart from the public port.
  const metricsServer = config.metrics.apiPort > 0 ? await serveOperations(config.metrics.apiPort, config.http.host, { metrics }) : undefined;
  if (metricsServer) fastify.addHook('onClose', () => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: `${String(reply.statusCode)[0]}xx` },
      reply.elapsedTime / 1000,
    );
    request.log.info({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  let app: NestFastifyApplication | undefined;
  try {
    app = await NestFactory.create<NestFastifyApplication>(HubApiModule.forRoot({ config, logger, metrics, database, validator }), adapter, {
      logger: new PinoNestLogger(logger.child({ component: 'nest' })),
      // Bodies are parsed by installRequestParsing alone; Nest would add its own JSON and form parsers.
      bodyParser: false,
      bufferLogs: false,
    });
    app.useGlobalFilters(new ProblemFilter(logger, new RouteTable(routes)));
    app.enableShutdownHooks();
    SwaggerModule.setup('docs', app, document as unknown as OpenAPIObject, SWAGGER_UI_OPTIONS);
    await mountQueueBoard(fastify, app.get(DeliveryQueue), app.get(ClientSecretAuthentication), app.get(BearerAuthentication), {
      readOnly: config.queueBoardReadOnly,
    });
    await app.init();
  } catch (error) {
    // A start that fails halfway leaves nothing running: in a test process or a supervisor's retry, a
    // listening metrics port or the app's Redis connections would outlive the failed start.
    await app?.close().catch(() => undefined);
    if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    throw error;
  }
  // A fault that waiting cannot mend is reported by main(). Once connected, the mapping profiles are read
  // before the first change needs them (the outbox's lookup then never waits for a connection).
  const profiles = app.get(MappingProfiles);
  void database
    .connect()
    .then(() => profiles.warm())
    .catch(() => undefined);
  return { app, routes, database, metricsPort: metricsServer ? portOf(metricsServer) : undefined };
}
