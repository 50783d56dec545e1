import { CodelistRegistry } from '@drehscheibe/codelists';
import type { HubConfig } from '@drehscheibe/config';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { BUILTIN_PROFILES, MappingEngine, MappingProfiles, ProfileDryRun } from '@drehscheibe/mapping';
import { FieldCipher } from '@drehscheibe/security';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../core/tokens.js';
import { MappingProfilesController } from './mapping-profiles.controller.js';

/**
 * Mapping profiles: the engine (validates and compiles profiles against the
 * contract and the code lists) and the store of each participant's versions.
 * Exported for the features that map messages (native inbound, outbound rendering).
 */
@Module({
  controllers: [MappingProfilesController],
  providers: [
    {
      provide: MappingEngine,
      useFactory: (codelists: CodelistRegistry) => new MappingEngine(codelists, loadOpenApiDocument(), BUILTIN_PROFILES),
      inject: [CodelistRegistry],
    },
    {
      provide: MappingProfiles,
      useFactory: (dataSource: DataSource, engine: MappingEngine, cipher: FieldCipher, config: HubConfig) =>
        new MappingProfiles(dataSource, engine, cipher, { refreshMs: config.mapping.refreshMs }),
      inject: [DataSource, MappingEngine, FieldCipher, HUB_CONFIG],
    },
    { provide: ProfileDryRun, useFactory: (profiles: MappingProfiles) => new ProfileDryRun(profiles), inject: [MappingProfiles] },
  ],
  exports: [MappingEngine, MappingProfiles],
})
export class MappingModule {}
