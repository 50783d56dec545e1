export {
  signWebhook,
  verifyWebhook,
  hmacSigner,
  ed25519Signer,
  WebhookVerificationError,
  type WebhookSigner,
  type VerifyKeys,
  type SignatureVersion,
  type VerificationFailure,
} from './standard-webhooks.js';
export {
  generateEd25519KeyPair,
  generateHmacSecret,
  ed25519PublicKeyFromSecret,
  ed25519PrivateKey,
  publicKeyToJwk,
  jwkToPublicKey,
  type Ed25519Jwk,
} from './keys.js';
export {
  signCallback,
  verifyCallback,
  generateCallbackSecret,
  CallbackVerificationError,
  CALLBACK_TOLERANCE_SECONDS,
  type CallbackFailure,
} from './fit-connect.js';
