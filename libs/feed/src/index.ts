export { EventFeed, type FeedItem, type FeedPage } from './event-feed.js';
export { FEED_SOURCES, type FeedSource } from './feed-source.js';
