export { EventFeed, type FeedItem, type FeedPage } from './event-feed.js';
