export { EventFeed, type FeedEntries, type FeedItem, type FeedPage } from './event-feed.js';
export { FEED_SOURCES, type FeedSource } from './feed-source.js';
export { FeedConsumerStore } from './feed-consumer-store.js';
export {
  FeedConsumers,
  type ConsumerAcknowledgement,
  type ConsumerPage,
  type ConsumerPlacement,
  type ConsumerRead,
  type ConsumerRemoval,
  type FeedConsumer,
  type FeedConsumerSettings,
  type Leased,
} from './feed-consumers.js';
