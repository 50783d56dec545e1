import { DomainError } from '@drehscheibe/domain';
import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BearerAuthentication, bearerToken } from '../auth/client-credentials.js';
import { Public } from '../http/request-context.js';
import type { RequestWithRawBody } from '../http/request-parsing.js';
import { authenticateInbound } from './inbound-authentication.js';
import { NativeInbound, type InboundOutcome, type InboundProfiles } from '@drehscheibe/tickets';

export const INBOUND_PROFILES = Symbol('InboundProfiles');

/** Native in: a participant's system posts its own format; authentication is the participant's binding's, not the guard's. */
@Controller('v1/inbound')
export class InboundController {
  constructor(
    private readonly inbound: NativeInbound,
    @Inject(INBOUND_PROFILES) private readonly profiles: InboundProfiles,
    private readonly bearer: BearerAuthentication,
  ) {}

  @Post(':participantId')
  @Public()
  @HttpCode(200)
  async receive(
    @Param('participantId') participantId: string,
    @Body() body: unknown,
    @Req() request: RequestWithRawBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InboundOutcome> {
    const [profile, credential] = await Promise.all([this.profiles.active(participantId), this.profiles.inboundAuth(participantId)]);
    // Authenticated first: an unauthenticated caller learns nothing about the participant's profile.
    await authenticateInbound(participantId, credential, {
      headers: request.headers,
      rawBody: request.rawBody ?? Buffer.alloc(0),
      bearer: async () => {
        const token = bearerToken(request.headers.authorization);
        return token ? this.bearer.authenticate(token, request) : undefined;
      },
    });
    if (!profile?.profile.reads) throw new DomainError('not-found', `participant ${participantId} has no active mapping profile that reads native messages`);
    const result = await this.inbound.receive(participantId, body, profile);
    if (result.outcome === 'created') void reply.status(201).header('location', `/v1/tickets/${result.ticketId}`);
    return result;
  }
}
