/** The typed configuration (HubConfig), read once at start. */
export const HUB_CONFIG = Symbol('HubConfig');
/** The process's pino logger; providers take a child with their component's name. */
export const LOGGER = Symbol('Logger');
/** The API's Redis connection (delivery queue, failed-authentication counts, readiness). */
export const REDIS = Symbol('Redis');
/** Signs access tokens and receipts. */
export const TOKEN_SIGNING_KEY = Symbol('TokenSigningKey');
/** Signs webhook deliveries (the worker's); the API publishes its public half. */
export const WEBHOOK_SIGNING_KEY = Symbol('WebhookSigningKey');
/** Every key of access tokens, receipts and checkpoints the hub publishes and accepts (HubKeys: signing, next, retired). */
export const TOKEN_KEYS = Symbol('TokenKeys');
/** Every key of webhook deliveries the hub publishes (HubKeys). */
export const WEBHOOK_KEYS = Symbol('WebhookKeys');
