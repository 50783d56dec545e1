import { backoffDelayMs, DependencyUnavailableError, markUnavailable, retryWithBackoff, RetryAborted, unavailableDependency } from '@drehscheibe/availability';
import { Redis } from 'ioredis';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { QueryFailedError } from 'typeorm';

/** A port nothing listens on (bound, then closed). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const caught = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
};

/** A PostgreSQL error as pg reports it (DatabaseError with SQLSTATE), wrapped by TypeORM as a failed query is. */
const pgError = (code: string, message = 'server says no') => {
  const error = new pg.DatabaseError(message, 0, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return new QueryFailedError('SELECT 1', [], error);
};

describe('unavailableDependency', () => {
  it('names the database for SQLSTATEs that mean "cannot serve you now", however wrapped', () => {
    for (const code of ['57P01', '57P02', '57P03', '53300', '08006', '08001', '08P01'])
      expect(`${code}: ${unavailableDependency(pgError(code))}`).toBe(`${code}: database`);
    expect(unavailableDependency(new Error('outer', { cause: pgError('57P01') }))).toBe('database');
  });

  it('never names a dependency for the hub’s own database errors', () => {
    for (const code of ['23505', '23503', '40001', '40P01', '42P01', '42601', '22P02', '57014', '53100'])
      expect(`${code}: ${unavailableDependency(pgError(code))}`).toBe(`${code}: null`);
  });

  it('recognises what pg and pg-pool say when a connection is lost or cannot be had in time', () => {
    expect(unavailableDependency(new Error('Connection terminated unexpectedly'))).toBe('database');
    expect(unavailableDependency(new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }))).toBe('database');
    expect(unavailableDependency(new Error('timeout exceeded when trying to connect'))).toBe('database');
  });

  it('counts a bare socket error only when its source marked it', async () => {
    const refused = await caught(new pg.Client({ host: '127.0.0.1', port: await closedPort(), connectionTimeoutMillis: 2000 }).connect());
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    expect(unavailableDependency(refused)).toBeNull();
    expect(unavailableDependency(markUnavailable(refused, 'database'))).toBe('database');
    expect(unavailableDependency(new AggregateError([markUnavailable(new Error('connect ECONNREFUSED ::1:5432'), 'database')]))).toBe('database');
    // A participant's endpoint that does not resolve is not the database being down.
    const dns = await caught(lookup('no-such-host.invalid'));
    expect(unavailableDependency(dns)).toBeNull();
  });

  it('names Redis for what ioredis says when a command cannot reach it', async () => {
    const port = await closedPort();
    const ended = (redis: Redis) => new Promise((resolve) => (redis.status === 'end' ? resolve(undefined) : redis.once('end', resolve)));
    const offline = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    offline.on('error', () => undefined);
    const noQueue = await caught(offline.ping());
    expect(unavailableDependency(noQueue)).toBe('redis');
    offline.disconnect();
    await ended(offline);
    // Gives up reconnecting after a few tries, so the client ends by itself.
    const retrying = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 3 ? null : 10) });
    retrying.on('error', () => undefined);
    const maxRetries = await caught(retrying.ping());
    expect((maxRetries as Error).name).toBe('MaxRetriesPerRequestError');
    expect(unavailableDependency(maxRetries)).toBe('redis');
    await ended(retrying);
    expect(unavailableDependency(new Error('Connection is closed.'))).toBe('redis');
    expect(unavailableDependency(new Error('Command timed out'))).toBe('redis');
    expect(unavailableDependency(new DependencyUnavailableError('redis', 'no PONG'))).toBe('redis');
  });

  it('leaves ordinary errors alone', () => {
    for (const error of [
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new Error('boom'),
      null,
      undefined,
      'text',
      { code: 'ECONNREFUSED' },
    ]) {
      expect(unavailableDependency(error)).toBeNull();
    }
  });
});

describe('retryWithBackoff', () => {
  const capture = () => {
    const lines: Array<{ level: number; msg: string; reason?: string; attempt?: number; retryInMs?: number }> = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
          done();
        },
      }),
    );
    return { logger, lines };
  };

  it('waits 0.5 s, 1 s, 2 s … and never more than 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelayMs(n))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('retries until the attempt succeeds, logging each failure at warn with its reason', async () => {
    const { logger, lines } = capture();
    let calls = 0;
    const result = await retryWithBackoff(
      'database',
      () => {
        calls += 1;
        if (calls < 3) return Promise.reject(markUnavailable(new Error(`connect ECONNREFUSED 127.0.0.1:5432 (try ${calls})`), 'database'));
        return Promise.resolve('connected');
      },
      { logger, backoff: { initialMs: 1, maxMs: 5 } },
    );
    expect(result).toBe('connected');
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => [l.attempt, l.retryInMs, l.reason])).toEqual([
      [1, 1, 'connect ECONNREFUSED 127.0.0.1:5432 (try 1)'],
      [2, 2, 'connect ECONNREFUSED 127.0.0.1:5432 (try 2)'],
    ]);
  });

  it('gives up at once on an error waiting cannot mend, and when told to stop', async () => {
    const { logger } = capture();
    const bug = new TypeError('not a connection problem');
    await expect(retryWithBackoff('database', () => Promise.reject(bug), { logger, retryable: () => false })).rejects.toBe(bug);
    const stop = new AbortController();
    const waiting = retryWithBackoff('database', () => Promise.reject(new Error('down')), {
      logger,
      signal: stop.signal,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    stop.abort();
    await expect(waiting).rejects.toBeInstanceOf(RetryAborted);
  });
});
