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
