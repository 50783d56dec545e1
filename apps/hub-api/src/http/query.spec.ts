import { loadOpenApiDocument, parseQueryStrictly, SpecValidator } from '@drehscheibe/contracts';
import type { DeliveryAdmin, DeliveryFilter } from '@drehscheibe/delivery';
import type { EventFeed, FeedConsumers } from '@drehscheibe/feed';
import type { TicketFilter, TicketList } from '@drehscheibe/tickets';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { DeliveriesController } from '../deliveries/deliveries.controller.js';
import { ConsumersController } from '../feed/consumers.controller.js';
import { EventsController } from '../feed/events.controller.js';
import { TicketsController } from '../tickets/tickets.controller.js';
import { ProblemError } from './problem.js';
import { DEFAULT_PAGE_SIZE, type RawQuery } from './query.js';
import { SpecValidationInterceptor } from './spec-validation.interceptor.js';

/** What the router hands a controller: the query string parsed, nothing coerced. */
const raw = (query: string): RawQuery => parseQueryStrictly(query);

/** A TicketsController whose list use case only records the filter it was given. */
function ticketsController(): { controller: TicketsController; filters: TicketFilter[] } {
  const filters: TicketFilter[] = [];
  const list = { list: (_caller: string, filter: TicketFilter) => (filters.push(filter), Promise.resolve({ items: [] })) } as unknown as TicketList;
  // Only the list use case is reached by `find`.
  const unused = {} as never;
  return { controller: new TicketsController(unused, unused, unused, unused, list, unused), filters };
}

describe('query parameters are parsed by each controller, without the validation interceptor', () => {
  it('GET /v1/tickets: limit and priority arrive as numbers, status as a list', async () => {
    const { controller, filters } = ticketsController();
    await controller.find('demo-mila', raw('limit=20&priority=2&status=new,acknowledged&role=origin'));
    expect(filters[0]).toMatchObject({ limit: 20, priority: 2, status: ['new', 'acknowledged'], role: 'origin' });
    // The bug this guards against: a text limit makes `limit + 1` the string "201".
    expect(filters[0].limit + 1).toBe(21);
  });

  it('GET /v1/tickets: an absent limit is the contract’s default page size', async () => {
    const { controller, filters } = ticketsController();
    await controller.find('demo-mila', raw(''));
    expect(filters[0].limit).toBe(DEFAULT_PAGE_SIZE);
    expect(filters[0].status).toBeUndefined();
  });

  it('GET /v1/events: limit arrives as a number', async () => {
    const reads: unknown[][] = [];
    const feed = { read: (...args: unknown[]) => (reads.push(args), Promise.resolve({ items: [], nextCursor: 'x' })) } as unknown as EventFeed;
    await new EventsController(feed).read('demo-mila', raw('after=abc&limit=7'));
    await new EventsController(feed).read('demo-mila', raw(''));
    expect(reads).toEqual([
      ['demo-mila', 'abc', 7],
      ['demo-mila', undefined, DEFAULT_PAGE_SIZE],
    ]);
  });

  it('GET /v1/consumers/{consumerName}/events: limit arrives as a number, leaseId as given', async () => {
    const reads: unknown[][] = [];
    const page = { kind: 'page', page: { items: [], nextCursor: 'x', leaseId: 'l', leasedUntil: 't' } };
    const consumers = { read: (...args: unknown[]) => (reads.push(args), Promise.resolve(page)) } as unknown as FeedConsumers;
    await new ConsumersController(consumers).read('demo-mila', 'bridge', raw('leaseId=abc&limit=7'));
    await new ConsumersController(consumers).read('demo-mila', 'bridge', raw(''));
    expect(reads).toEqual([
      ['demo-mila', 'bridge', 'abc', 7],
      ['demo-mila', 'bridge', undefined, DEFAULT_PAGE_SIZE],
    ]);
  });

  it('GET /v1/deliveries: limit arrives as a number', async () => {
    const filters: DeliveryFilter[] = [];
    const admin = { list: (filter: DeliveryFilter) => (filters.push(filter), Promise.resolve({ items: [] })) } as unknown as DeliveryAdmin;
    await new DeliveriesController(admin).list(raw('status=dead&limit=3'));
    expect(filters[0]).toMatchObject({ status: 'dead', limit: 3 });
  });

  it('refuses, as the contract would, what the contract did not check (a repeated or non-integer value)', () => {
    const { controller, filters } = ticketsController();
    for (const query of ['limit=ten', 'limit=1&limit=2', 'role=boss']) {
      expect(() => controller.find('demo-mila', raw(query))).toThrow(expect.objectContaining({ code: 'validation-failed' }) as Error);
    }
    expect(() => controller.find('demo-mila', raw('limit='))).toThrow(ProblemError);
    expect(filters).toEqual([]);
  });

  it('uses the page size the contract declares as the default', () => {
    const parameters = loadOpenApiDocument().components.parameters as Record<string, { schema: { default?: unknown } }>;
    expect(parameters.Limit.schema.default).toBe(DEFAULT_PAGE_SIZE);
  });
});

describe('SpecValidationInterceptor', () => {
  const interceptor = new SpecValidationInterceptor(new SpecValidator(loadOpenApiDocument()));
  const context = (url: string, query: RawQuery) =>
    ({
      switchToHttp: () => ({
        getRequest: () => ({ method: 'GET', routeOptions: { url }, headers: {}, query, params: {}, body: undefined }),
      }),
    }) as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of('handled') };

  it('checks the query against the contract but leaves it as received', () => {
    const query = raw('limit=20');
    interceptor.intercept(context('/v1/tickets', query), next);
    expect(query).toEqual({ limit: '20' });
  });

  it('still refuses a query the contract does not allow (400 problem)', () => {
    expect(() => interceptor.intercept(context('/v1/tickets', raw('limit=0')), next)).toThrow(
      expect.objectContaining({ code: 'validation-failed', extensions: { errors: [expect.objectContaining({ pointer: '/query/limit' })] } }) as Error,
    );
  });
});
