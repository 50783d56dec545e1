import type { TokenResponse } from '@drehscheibe/contracts';
import { ParticipantEntity } from '@drehscheibe/persistence';
import { AccessTokenService, type Scope } from '@drehscheibe/security';
import { authenticateClient, basicCredentials } from './client-credentials.js';
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
      throw new ProblemError(
        'invalid-client',
        'unknown client or wrong secret',
        { error: 'invalid_client' },
        basic ? { 'www-authenticate': 'Basic realm="drehscheibe"' } : {},
      );
    };
    if (!clientId || !secret) return fail();
    const client = await authenticateClient(this.dataSource, clientId, secret);
    if (!client) return fail();
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
