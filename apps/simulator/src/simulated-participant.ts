/** One received delivery, as a test or a person inspecting the demo sees it. */
export interface ReceivedDelivery {
  webhookId: string;
  timestamp: number;
  receivedAt: string;
  signatureVersion: string;
  /** Exactly what arrived, so others can check the signature themselves. */
  raw: { body: string; headers: Record<string, string> };
  body: { id: string; type: string; ticketId: string; ticketVersion: number; [k: string]: unknown };
}

export interface Behaviour {
  /** Answer this many deliveries with `failStatus` before accepting again. */
  failNext: number;
  failStatus: number;
  /** Delay every answer, to simulate a slow system. */
  delayMs: number;
  /** Acknowledge forwarded tickets through the API, as a BeLa would. */
  autoAcknowledge: boolean;
}

/**
 * How the simulated system verifies what it receives: the hub's key from its
 * JWKS (the default), or the secret the hub showed once when the participant
 * was set to Standard Webhooks HMAC or FIT-Connect (several during a rotation).
 */
export type SignatureCheck =
  { scheme: 'standard-webhooks-ed25519' } | { scheme: 'standard-webhooks-hmac'; secrets: string[] } | { scheme: 'fit-connect'; secrets: string[] };

/** The state of one simulated Land ticket system. */
export class SimulatedParticipant {
  readonly deliveries: ReceivedDelivery[] = [];
  private readonly seen = new Set<string>();
  duplicates = 0;
  refused = 0;
  acknowledged = 0;
  behaviour: Behaviour;
  signature: SignatureCheck = { scheme: 'standard-webhooks-ed25519' };

  constructor(
    readonly id: string,
    defaults: Partial<Behaviour>,
  ) {
    this.behaviour = { failNext: 0, failStatus: 503, delayMs: 0, autoAcknowledge: false, ...defaults };
  }

  /** Whether to refuse this call (failure injection); counts it down. */
  shouldFail(): boolean {
    if (this.behaviour.failNext <= 0) return false;
    this.behaviour.failNext -= 1;
    this.refused += 1;
    return true;
  }

  /** Records a verified delivery; false for a duplicate `webhook-id`. */
  receive(delivery: ReceivedDelivery): boolean {
    if (this.seen.has(delivery.webhookId)) {
      this.duplicates += 1;
      return false;
    }
    this.seen.add(delivery.webhookId);
    this.deliveries.push(delivery);
    return true;
  }

  reset(): void {
    this.deliveries.length = 0;
    this.seen.clear();
    this.duplicates = 0;
    this.refused = 0;
  }
}
