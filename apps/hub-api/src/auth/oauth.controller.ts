import type { TokenResponse } from '@drehscheibe/contracts';
import { AccessTokenService, SCOPES, type ClientCertificate, type Scope } from '@drehscheibe/security';
import { ClientCertificates } from './client-certificates.js';
import { basicCredentials, ClientSecretAuthentication } from './client-credentials.js';
import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../http/problem.js';
import { Public } from '../http/request-context.js';

interface TokenRequest {
  grant_type: 'client_credentials';
  client_id?: string;
  client_secret?: string;
  scope?: string;
  client_assertion_type?: typeof JWT_BEARER_ASSERTION;
  client_assertion?: string;
}

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The scopes a token gets (RFC 6749 §3.3: the server may ignore part or all
 * of the requested scope, and then names what it granted): those requested
 * that the client holds; if it holds none of them, the client's own. So a
 * tick left over in Swagger UI from another client does not lock anyone out.
 */
export function grantedScopes(requested: string | undefined, held: string[]): Scope[] {
  const asked = requested?.split(' ').filter(Boolean) ?? [];
  const unknown = asked.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new ProblemError('validation-failed', `unknown scope: ${unknown.join(' ')}`, { error: 'invalid_scope' });
  const granted = asked.filter((s) => held.includes(s));
  return (granted.length > 0 ? granted : held) as Scope[];
}

/** OAuth2 client-credentials grant (RFC 6749 4.4). */
@Controller('v1/oauth')
export class OAuthController {
  constructor(
    private readonly clients: ClientSecretAuthentication,
    private readonly tokens: AccessTokenService,
    private readonly certificates: ClientCertificates,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  async token(
    @Body() body: TokenRequest,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const basic = basicCredentials(authorization);
    const certificate = this.certificates.of(request);
    const { client, secretGeneration, secretExpiresAt } = await this.authenticateClient(body, basic, request.ip, certificate);
    // RFC 8705 §3: a bound client's token names its certificate; without one it gets no token, not a bearer token.
    if (client.tlsBoundAccessTokens && !certificate) {
      throw new ProblemError(
        'invalid-client',
        "this client's tokens are bound to its TLS client certificate (RFC 8705): ask over a connection with a certificate from the CA the hub trusts",
        { error: 'invalid_client' },
      );
    }
    const scopes = grantedScopes(body.scope, client.scopes);
    // A token obtained with a secret in its rotation overlap ends with it, so the client asks again in time.
    const overlapLeft = secretExpiresAt === null ? undefined : Math.floor((secretExpiresAt - Date.now()) / 1000);
    const { token, expiresIn } = await this.tokens.issue(
      {
        clientId: client.clientId,
        participantId: client.participantId,
        scopes,
        secretGeneration,
        ...(client.tlsBoundAccessTokens && certificate ? { certificateThumbprint: certificate.thumbprint } : {}),
      },
      overlapLeft,
    );
    void reply.header('cache-control', 'no-store');
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
  }

  /**
   * A secret (form or Basic) or a client assertion, never both: RFC 6749 2.3 allows one method per request.
   * Only a client id, with a client certificate: tls_client_auth (RFC 8705 §2.1).
   */
  private authenticateClient(body: TokenRequest, basic: { id: string; secret: string } | null, source: string, certificate: ClientCertificate | null) {
    if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) {
      if (basic || body.client_secret !== undefined) {
        throw new ProblemError('validation-failed', 'send either a client secret or a client assertion, not both', { error: 'invalid_request' });
      }
      if (body.client_assertion === undefined || body.client_assertion_type !== JWT_BEARER_ASSERTION) {
        throw new ProblemError('validation-failed', `a client assertion needs client_assertion_type ${JWT_BEARER_ASSERTION} and client_assertion`, {
          error: 'invalid_request',
        });
      }
      return this.clients.authenticateAssertion(body.client_assertion, body.client_id, source);
    }
    if (!basic && body.client_secret === undefined && body.client_id !== undefined) {
      return this.clients.authenticateCertificate(body.client_id, certificate, source);
    }
    return this.clients.authenticate(basic?.id ?? body.client_id, basic?.secret ?? body.client_secret, source, basic !== null);
  }
}
