import { EventFeed, type FeedPage } from '@drehscheibe/feed';
import { Controller, Get, Query } from '@nestjs/common';
import { CallerParticipant } from '../http/request-context.js';

/** The polling feed: what webhooks deliver (ticket events and service notices), for systems that cannot receive calls. */
@Controller('v1/events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  read(@CallerParticipant() caller: string, @Query() query: { after?: string; limit: number }): Promise<FeedPage> {
    return this.feed.read(caller, query.after, query.limit);
  }
}
