import type { TokenResponse } from '@drehscheibe/contracts';
import { OAuthClientEntity, ParticipantEntity } from '@drehscheibe/persistence';
import { AccessTokenService, verifyClientSecret, type Scope } from '@drehscheibe/security';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { ProblemError } from '../http/problem.js';
import { Public } from '../http/request-context.js';

interface TokenRequest {
  grant_type: 'client_credentials';
  client_id?: string;
  client_secret?: string;
  scope?: string;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  // RFC 6749 2.3.1: both parts are form-urlencoded inside Basic.
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

/** OAuth2 client-credentials grant (RFC 6749 4.4). */
@Controller('v1/oauth')
export class OAuthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: AccessTokenService,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  async token(
    @Body() body: TokenRequest,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const basic = basicCredentials(authorization);
    const clientId = basic?.id ?? body.client_id;
    const secret = basic?.secret ?? body.client_secret;
    const fail = (): never => {
      throw new ProblemError('invalid-client', 'unknown client or wrong secret', { error: 'invalid_client' }, basic ? { 'www-authenticate': 'Basic realm="drehscheibe"' } : {});
    };
    if (!clientId || !secret) return fail();
    const client = await this.dataSource.manager.findOneBy(OAuthClientEntity, { clientId });
    if (!client || !client.enabled || !(await verifyClientSecret(secret, client.secretHash))) return fail();
    if (client.participantId) {
      const participant = await this.dataSource.manager.findOneBy(ParticipantEntity, { id: client.participantId });
      if (participant?.status !== 'active') {
        throw new ProblemError('invalid-client', 'the participant of this client is suspended', { error: 'invalid_client' });
      }
    }
    const requested = body.scope?.split(' ').filter(Boolean) ?? client.scopes;
    const invalid = requested.filter((s) => !client.scopes.includes(s));
    if (invalid.length > 0) {
      throw new ProblemError('validation-failed', `scope not granted to this client: ${invalid.join(' ')}`, { error: 'invalid_scope' });
    }
    const scopes = requested as Scope[];
    const accessToken = await this.tokens.issue({ clientId, participantId: client.participantId, scopes });
    void reply.header('cache-control', 'no-store');
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.tokens.ttlSeconds, scope: scopes.join(' ') };
  }
}
