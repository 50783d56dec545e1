// Baseline 2: a bare NestJS application on the Fastify adapter whose only
// route takes the ticket JSON (@Body) and answers 201 — the framework's
// ceiling on this machine, without guards, interceptors, database or Redis.
// Plain JavaScript has no decorator syntax, so the decorators are applied the
// way compiled TypeScript applies them (Reflect.decorate / direct calls).
// Run as a child process: PORT; prints "ready <port>" when listening.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

class TicketsController {
  /** @param {{ externalId: string }} body */
  create(body) {
    return { id: randomUUID(), version: 1, status: 'forwarded', origin: { participantId: 'demo-mila', externalId: body.externalId } };
  }
}
class HealthController {
  health() {
    return { status: 'ok' };
  }
}

/**
 * @param {Function} cls
 * @param {string} name
 * @param {MethodDecorator[]} decorators
 */
const method = (cls, name, decorators) => {
  const descriptor = Reflect.decorate(decorators, cls.prototype, name, Object.getOwnPropertyDescriptor(cls.prototype, name));
  Object.defineProperty(cls.prototype, name, /** @type {PropertyDescriptor} */ (descriptor));
};
Reflect.decorate([Controller('v1/tickets')], TicketsController);
method(TicketsController, 'create', [Post(), HttpCode(201)]);
Body()(TicketsController.prototype, 'create', 0);
Reflect.defineMetadata('design:paramtypes', [Object], TicketsController.prototype, 'create');
Reflect.decorate([Controller('health')], HealthController);
method(HealthController, 'health', [Get()]);
Reflect.defineMetadata('design:paramtypes', [], HealthController.prototype, 'health');

class AppModule {}
Reflect.decorate([Module({ controllers: [TicketsController, HealthController] })], AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter({ logger: false, bodyLimit: 1024 * 1024 }), { logger: false });
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
console.log(`ready ${app.getHttpServer().address().port}`);
