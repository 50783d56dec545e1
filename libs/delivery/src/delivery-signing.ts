import type { SecretSignatureScheme } from '@drehscheibe/persistence';
import type { FieldCipher } from '@drehscheibe/security';
import { hmacSigner, signCallback, signWebhook, type WebhookSigner } from '@drehscheibe/webhooks';

/**
 * A receiver's delivery secret as the registry stores it (encrypted), read
 * with each delivery; null for receivers signed with the hub's key.
 */
export interface ReceiverSecret {
  scheme: SecretSignatureScheme;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: Date | null;
}

/** The columns a statement selects (`LEFT JOIN delivery_secrets s`) for `toReceiverSecret`. */
export const RECEIVER_SECRET_COLUMNS_SQL = 's.scheme AS secret_scheme, s.secret_enc, s.previous_secret_enc, s.previous_secret_expires_at';

export interface ReceiverSecretColumns {
  secret_scheme: SecretSignatureScheme | null;
  secret_enc: string | null;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Date | null;
}

export function toReceiverSecret(row: ReceiverSecretColumns): ReceiverSecret | null {
  if (!row.secret_scheme || !row.secret_enc) return null;
  return {
    scheme: row.secret_scheme,
    secretEnc: row.secret_enc,
    previousSecretEnc: row.previous_secret_enc,
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

/** What is signed: the delivery id (Standard Webhooks' `webhook-id`) and the exact body sent. */
export interface SignedMessage {
  id: string;
  body: string;
}

/**
 * Signs each attempt the way its receiver verifies: Standard Webhooks
 * Ed25519 with the hub's key (no secret), Standard Webhooks HMAC or
 * FIT-Connect callbacks with the receiver's secret — and, during a
 * rotation's overlap, with the previous secret too. Called when the attempt
 * is sent, so the timestamp is current (FIT-Connect receivers allow five
 * minutes) and a retry is signed anew.
 */
export class DeliverySigning {
  constructor(
    private readonly hubSigner: WebhookSigner,
    private readonly cipher: FieldCipher,
    private readonly now: () => number = Date.now,
  ) {}

  headers(secret: ReceiverSecret | null, message: SignedMessage): Record<string, string> {
    const nowMs = this.now();
    const timestamp = Math.floor(nowMs / 1000);
    if (!secret) return signWebhook({ id: message.id, timestamp, body: message.body, signers: [this.hubSigner] });
    const secrets = [this.cipher.decrypt<string>(secret.secretEnc)];
    if (secret.previousSecretEnc && secret.previousSecretExpiresAt && secret.previousSecretExpiresAt.getTime() > nowMs) {
      secrets.push(this.cipher.decrypt<string>(secret.previousSecretEnc));
    }
    if (secret.scheme === 'fit-connect') return signCallback({ timestamp, body: message.body, secrets });
    return signWebhook({ id: message.id, timestamp, body: message.body, signers: secrets.map(hmacSigner) });
  }
}
