export { HubKeys, SigningKey, verificationKey, type VerificationKey } from './signing-key.js';
export { generateClientSecret, hashClientSecret, verifyClientSecret } from './client-secret.js';
export { AccessTokenService, InvalidTokenError, SCOPES, type Principal, type Scope } from './access-token.js';
export { ReceiptSigner, type ReceiptClaims } from './receipt.js';
export { FieldCipher, dataKeyId } from './field-cipher.js';
export { EndpointPolicy, EndpointNotAllowedError, blockedAddressReason, type Resolver } from './endpoint-policy.js';
export {
  acceptClientPublicKey,
  verifyClientAssertion,
  InvalidClientKeyError,
  InvalidClientAssertionError,
  CLIENT_ASSERTION_ALGORITHMS,
  type ClientPublicKey,
  type ClientAssertionRules,
  type VerifiedClientAssertion,
} from './client-keys.js';
export { ExternalIssuer, type ExternalIssuerOptions } from './external-issuer.js';
export {
  ClientCertificate,
  ClientCertificateSource,
  DistinguishedName,
  InvalidClientCertificateError,
  type ClientCertificateSourceOptions,
  type PresentedConnection,
} from './client-certificate.js';
export {
  RequestSignatureVerifier,
  RequestSignatureError,
  REQUEST_SIGNATURE_TYPE,
  type SignedRequest,
  type SignatureReplayGuard,
  type RequestSignatureRules,
  type VerifiedRequestSignature,
} from './request-signature.js';
