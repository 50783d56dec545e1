/** A committed delivery as the transport needs it: the receiver travels along so the worker can check its slots before any query. */
export interface DeliveryRef {
  id: string;
  receiverId: string;
}

/**
 * Hands committed deliveries to the transport (BullMQ). Best effort: if it
 * fails, the rows are in PostgreSQL and the worker's reconciler sends them.
 */
export interface DeliveryDispatcher {
  dispatch(deliveries: DeliveryRef[]): Promise<void>;
}

export const DELIVERY_DISPATCHER = Symbol('DeliveryDispatcher');
