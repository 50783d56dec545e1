import type { Health } from '@drehscheibe/contracts';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../http/request-context.js';
import { DatabaseConnection } from './database-connection.js';

export const HEALTH_REDIS = Symbol('HealthRedis');
const CHECK_TIMEOUT_MS = 1500;

async function check(probe: () => Promise<unknown>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS)))]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseConnection,
    @Inject(HEALTH_REDIS) private readonly redis: Redis,
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
    const [database, redis] = await Promise.all([
      this.database.connected ? check(() => this.dataSource.query('SELECT 1')) : ('down' as const),
      check(() => this.redis.ping()),
    ]);
    const status = database === 'up' ? 'ok' : 'unavailable';
    void reply.status(status === 'ok' ? 200 : 503);
    return { status, checks: { database, redis } };
  }
}
