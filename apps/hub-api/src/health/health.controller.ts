import type { Health } from '@drehscheibe/contracts';
import { checkDependency } from '@drehscheibe/availability';
import { DatabaseConnection } from '@drehscheibe/persistence';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { REDIS } from '../core/tokens.js';
import { Public } from '../http/request-context.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly database: DatabaseConnection,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Public()
  @Get('live')
  live(): Health {
    return { status: 'ok' };
  }

  /**
   * Ready when PostgreSQL is connected (and migrated) and answers. Redis is
   * reported but not required: the API keeps accepting tickets while it is
   * down (the outbox holds them).
   */
  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Health> {
    const [database, redis] = await Promise.all([this.database.check(), checkDependency(() => this.redis.ping())]);
    const status = database === 'up' ? 'ok' : 'unavailable';
    void reply.status(status === 'ok' ? 200 : 503);
    return { status, checks: { database, redis } };
  }
}
