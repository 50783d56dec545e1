/**
 * Hands committed deliveries to the transport (BullMQ). Best effort: if it
 * fails, the rows are in PostgreSQL and the worker's reconciler sends them.
 */
export interface DeliveryDispatcher {
  dispatch(deliveryIds: string[]): Promise<void>;
}

export const DELIVERY_DISPATCHER = Symbol('DeliveryDispatcher');
