import type { components } from '@drehscheibe/contracts';
import {
  BUILTIN_PROFILES,
  MappingProfiles,
  ProfileDryRun,
  type BuiltinProfileId,
  type DryRunInput,
  type DryRunResult,
  type MappingBindingView,
  type MappingProfileDocument,
  type ProfileVersionSummary,
  type ProfileVersionView,
} from '@drehscheibe/mapping';
import { DomainError } from '@drehscheibe/domain';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemError } from '../http/problem.js';
import { CallerClient, RequireScope } from '../http/request-context.js';

type Schemas = components['schemas'];

/** Mapping profiles: versions per participant, the active one, the built-ins, the dry run. Admin only. */
@Controller()
@RequireScope('admin')
export class MappingProfilesController {
  constructor(
    private readonly profiles: MappingProfiles,
    private readonly dryRuns: ProfileDryRun,
  ) {}

  @Get('v1/participants/:participantId/mapping-profiles')
  async versions(@Param('participantId') participantId: string): Promise<{ items: ProfileVersionSummary[] }> {
    return { items: await this.profiles.versions(participantId) };
  }

  @Post('v1/participants/:participantId/mapping-profiles')
  @HttpCode(201)
  async save(
    @Param('participantId') participantId: string,
    @Body() body: Schemas['MappingProfileDocument'],
    @CallerClient() actorId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProfileVersionView> {
    const saved = await this.profiles.saveVersion(participantId, body, actorId);
    void reply.header('location', `/v1/participants/${participantId}/mapping-profiles/${saved.version}`);
    return saved;
  }

  @Get('v1/participants/:participantId/mapping-profiles/:version')
  version(@Param('participantId') participantId: string, @Param('version') version: string): Promise<ProfileVersionView> {
    return this.profiles.version(participantId, Number(version));
  }

  @Get('v1/participants/:participantId/mapping')
  binding(@Param('participantId') participantId: string): Promise<MappingBindingView> {
    return this.profiles.binding(participantId);
  }

  @Put('v1/participants/:participantId/mapping')
  activate(
    @Param('participantId') participantId: string,
    @Body() body: Schemas['MappingActivation'],
    @CallerClient() actorId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MappingBindingView> {
    // The answer may carry the one copy of a secret.
    void reply.header('cache-control', 'no-store');
    return this.profiles.activate(participantId, body.version, actorId, body.inboundAuth);
  }

  @Delete('v1/participants/:participantId/mapping')
  @HttpCode(204)
  async deactivate(@Param('participantId') participantId: string): Promise<void> {
    await this.profiles.deactivate(participantId);
  }

  @Get('v1/mapping-profiles/builtin')
  builtins(): { items: Array<{ id: BuiltinProfileId; description?: string }> } {
    return {
      items: (Object.entries(BUILTIN_PROFILES) as Array<[BuiltinProfileId, MappingProfileDocument | undefined]>).flatMap(([id, document]) =>
        document ? [{ id, ...(document.description !== undefined ? { description: document.description } : {}) }] : [],
      ),
    };
  }

  @Get('v1/mapping-profiles/builtin/:profileId')
  builtin(@Param('profileId') profileId: string): { id: BuiltinProfileId; document: MappingProfileDocument } {
    const document = Object.hasOwn(BUILTIN_PROFILES, profileId) ? BUILTIN_PROFILES[profileId as BuiltinProfileId] : undefined;
    if (!document) throw new DomainError('not-found', `there is no built-in mapping profile ${profileId}`);
    return { id: profileId as BuiltinProfileId, document };
  }

  @Post('v1/mapping-profiles/dry-run')
  @HttpCode(200)
  dryRun(@Body() body: Schemas['DryRunRequest']): Promise<DryRunResult> {
    return this.dryRuns.run(dryRunInput(body));
  }
}

/** The rules between the dry run's members that the schema does not state. */
function dryRunInput(body: Schemas['DryRunRequest']): DryRunInput {
  const errors: Array<{ pointer: string; message: string }> = [];
  if ((body.document === undefined) === (body.version === undefined))
    errors.push({ pointer: '/body/document', message: 'give either document, or participantId and version' });
  if (body.version !== undefined && body.participantId === undefined) errors.push({ pointer: '/body/participantId', message: 'is required with version' });
  if (body.direction === 'outbound' && body.eventType === undefined) errors.push({ pointer: '/body/eventType', message: 'is required for outbound' });
  if (body.direction === 'answer' && body.requestName === undefined) errors.push({ pointer: '/body/requestName', message: 'is required for answer' });
  if (errors.length > 0) throw new ProblemError('validation-failed', errors.map((e) => `${e.pointer} ${e.message}`).join('; '), { errors });
  const common = {
    participantId: body.participantId,
    version: body.version,
    document: body.document,
    sample: body.sample,
  };
  switch (body.direction) {
    case 'inbound':
      return { ...common, direction: 'inbound' };
    case 'outbound':
      return { ...common, direction: 'outbound', eventType: body.eventType ?? '' };
    case 'answer':
      return { ...common, direction: 'answer', requestName: body.requestName ?? '' };
  }
}
