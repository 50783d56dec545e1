import type { components } from '@drehscheibe/contracts';
import { FeedConsumers, type ConsumerPage, type FeedConsumer, type Leased } from '@drehscheibe/feed';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ProblemError } from '../http/problem.js';
import { DEFAULT_PAGE_SIZE, queryInteger, queryText, type RawQuery } from '../http/query.js';
import { CallerParticipant } from '../http/request-context.js';

/** `409 consumer-leased`: another reader holds the lease; try again when it runs out. */
function refuse(leased: Leased, name: string): never {
  throw new ProblemError(
    'consumer-leased',
    `another reader holds feed consumer ${name} until ${leased.leasedUntil}; retry after ${leased.retryAfterSeconds} s (only one reader at a time)`,
    { leasedUntil: leased.leasedUntil },
    { 'retry-after': String(leased.retryAfterSeconds) },
  );
}

/** Named consumers of the event feed: the hub keeps their cursors, one reader at a time holds each. */
@Controller('v1/consumers')
export class ConsumersController {
  constructor(private readonly consumers: FeedConsumers) {}

  @Get()
  async list(@CallerParticipant() caller: string): Promise<{ items: FeedConsumer[] }> {
    return { items: await this.consumers.list(caller) };
  }

  @Get(':consumerName')
  get(@CallerParticipant() caller: string, @Param('consumerName') name: string): Promise<FeedConsumer> {
    return this.consumers.get(caller, name);
  }

  @Put(':consumerName')
  async place(
    @CallerParticipant() caller: string,
    @Param('consumerName') name: string,
    @Body() body: components['schemas']['FeedConsumerInput'],
  ): Promise<FeedConsumer> {
    const placed = await this.consumers.place(caller, name, body.cursor);
    return placed.kind === 'placed' ? placed.consumer : refuse(placed, name);
  }

  @Delete(':consumerName')
  @HttpCode(204)
  async remove(@CallerParticipant() caller: string, @Param('consumerName') name: string): Promise<void> {
    const removed = await this.consumers.remove(caller, name);
    if (removed.kind === 'leased') refuse(removed, name);
  }

  @Get(':consumerName/events')
  async read(@CallerParticipant() caller: string, @Param('consumerName') name: string, @Query() query: RawQuery): Promise<ConsumerPage> {
    const read = await this.consumers.read(caller, name, queryText(query, 'leaseId'), queryInteger(query, 'limit') ?? DEFAULT_PAGE_SIZE);
    return read.kind === 'page' ? read.page : refuse(read, name);
  }

  @Post(':consumerName/ack')
  @HttpCode(200)
  async acknowledge(
    @CallerParticipant() caller: string,
    @Param('consumerName') name: string,
    @Body() body: components['schemas']['FeedAcknowledgement'],
  ): Promise<FeedConsumer> {
    const ack = await this.consumers.acknowledge(caller, name, body);
    if (ack.kind === 'acknowledged') return ack.consumer;
    throw new ProblemError(
      'lease-not-held',
      `lease ${body.leaseId} does not hold feed consumer ${name} (it ran out and another reader took it over, or it was released); nothing changed — read again`,
    );
  }
}
