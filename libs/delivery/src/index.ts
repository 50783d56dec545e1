export { DeliveryProcessor, DeliveryAttemptFailed, type DeliverySettings, type ProcessOutcome, type NativeAnswers } from './delivery-processor.js';
export { DeliveryQueue, queueCounts, releasePending } from './delivery-queue.js';
export { DeliveryReconciler } from './reconciler.js';
export { QueueName, JobName, queuePrefix, createRedis, type DeliverJob, type VerifyEndpointJob, type HubJob } from './queues.js';
export {
  ReceiverEndpoints,
  EndpointVerifier,
  endpointAdmission,
  ENDPOINT_VERIFICATION_TYPE,
  type EndpointAdmission,
  type VerificationOutcome,
} from './endpoint-verification.js';
export { ReceiverCircuit, type CircuitSettings, type Admission } from './receiver-circuit.js';
export { DeliveryStore, deliveryRequesterCopies, type ClaimedDelivery } from './delivery-store.js';
export { ReceiverHealthStore, type HealthSnapshot } from './receiver-health-store.js';
export { ReceiverSlots } from './receiver-slots.js';
export { DeliveryAdmin, type DeliveryFilter, type DeliveryRecord, type ReceiverState, type DeliveryDetail } from './delivery-admin.js';
export { DeliverySigning, type ReceiverSecret, type SignedMessage } from './delivery-signing.js';
