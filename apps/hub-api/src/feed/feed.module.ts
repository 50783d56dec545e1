import type { HubConfig } from '@drehscheibe/config';
import { EventFeed, FEED_SOURCES, FeedConsumers, FeedConsumerStore } from '@drehscheibe/feed';
import { noticeFeedSource } from '@drehscheibe/notices';
import { ticketEventFeedSource } from '@drehscheibe/tickets';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../core/tokens.js';
import { ConsumersController } from './consumers.controller.js';
import { EventsController } from './events.controller.js';

/** The polling feed of events, read with a cursor of your own or through a named consumer whose cursor the hub keeps. */
@Module({
  controllers: [EventsController, ConsumersController],
  providers: [
    EventFeed,
    // What the feed merges: each kind is defined by its own library.
    { provide: FEED_SOURCES, useValue: [ticketEventFeedSource, noticeFeedSource] },
    { provide: FeedConsumerStore, useFactory: (dataSource: DataSource) => new FeedConsumerStore(dataSource), inject: [DataSource] },
    {
      provide: FeedConsumers,
      useFactory: (store: FeedConsumerStore, feed: EventFeed, config: HubConfig) =>
        new FeedConsumers(store, feed, { leaseSeconds: config.feed.consumerLeaseSeconds }),
      inject: [FeedConsumerStore, EventFeed, HUB_CONFIG],
    },
  ],
})
export class FeedModule {}
