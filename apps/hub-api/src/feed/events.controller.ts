import { EventFeed, type FeedPage } from '@drehscheibe/feed';
import { Controller, Get, Query } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, queryInteger, queryText, type RawQuery } from '../http/query.js';
import { CallerParticipant } from '../http/request-context.js';

/** The polling feed: what webhooks deliver (ticket events and service notices), for systems that cannot receive calls. */
@Controller('v1/events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  read(@CallerParticipant() caller: string, @Query() query: RawQuery): Promise<FeedPage> {
    return this.feed.read(caller, queryText(query, 'after'), queryInteger(query, 'limit') ?? DEFAULT_PAGE_SIZE);
  }
}
