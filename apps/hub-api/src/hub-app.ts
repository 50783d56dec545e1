import type { HubConfig } from '@drehscheibe/config';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { HubMetrics, PinoNestLogger, type Logger } from '@drehscheibe/observability';
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

const CORRELATION_HEADER = 'x-correlation-id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export interface HubApp {
  app: NestFastifyApplication;
  /** Every `METHOD /path` the server routes, in OpenAPI path syntax. */
  routes: string[];
}

/**
 * Builds the API application: Fastify with a correlation id per request, the
 * hand-written OpenAPI document in Swagger UI, problem+json for every error.
 */
export async function createHubApp(config: HubConfig, logger: Logger): Promise<HubApp> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    disableRequestLogging: true,
    bodyLimit: config.http.bodyLimitBytes,
    requestIdHeader: false,
    // Off unless configured: then request.ip is the connection's address (per-source limits of the token endpoint).
    trustProxy: config.http.trustProxy,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers[CORRELATION_HEADER];
      return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    },
  });
  const routes: string[] = [];
  const fastify: FastifyInstance = adapter.getInstance();
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push(`${method} ${route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  });
  // Attachments arrive as raw bodies of their own media type; JSON and forms keep their parsers.
  fastify.addContentTypeParser(
    /^(application|image|text|audio|video|message)\/[\w.+-]+$/i,
    { parseAs: 'buffer', bodyLimit: config.attachments.maxBytes },
    (_request: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body),
  );
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
  });
  const metrics = new HubMetrics('hub-api');
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: `${String(reply.statusCode)[0]}xx` },
      reply.elapsedTime / 1000,
    );
    request.log.info({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  const app = await NestFactory.create<NestFastifyApplication>(HubApiModule.forRoot(config, logger, metrics), adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    rawBody: true,
    bufferLogs: false,
  });
  app.useGlobalFilters(new ProblemFilter(logger));
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, loadOpenApiDocument() as unknown as OpenAPIObject, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Drehscheibe API',
    swaggerOptions: { persistAuthorization: true, tryItOutEnabled: true },
  });
  await mountQueueBoard(fastify, app.get(DeliveryQueue), app.get(ClientSecretAuthentication), app.get(BearerAuthentication));
  await app.init();
  return { app, routes };
}
