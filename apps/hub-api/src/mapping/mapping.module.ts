import { MappingProfiles, ProfileDryRun } from '@drehscheibe/mapping';
import { Module } from '@nestjs/common';
import { MappingProfilesController } from './mapping-profiles.controller.js';

/**
 * Administering mapping profiles: versions, activation, built-ins and the
 * dry run. The engine and the store are in the core: the outbox renders
 * through them too.
 */
@Module({
  controllers: [MappingProfilesController],
  providers: [{ provide: ProfileDryRun, useFactory: (profiles: MappingProfiles) => new ProfileDryRun(profiles), inject: [MappingProfiles] }],
})
export class MappingModule {}
