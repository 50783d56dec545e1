export { DELIVERY_DISPATCHER, type DeliveryDispatcher, type DeliveryRef } from './dispatcher.js';
export { DELIVERY_RENDERER, canonicalRenderer, type DeliveryRenderer, type OutboxMessage } from './renderer.js';
export { OutboxWriter, type OutboxBatch, type OutboxEntry, type OutboxSource, type SharedValues, type EntryArrays } from './outbox-writer.js';
