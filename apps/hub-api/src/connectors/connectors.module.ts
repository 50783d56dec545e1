import { ConnectorConfigs } from '@drehscheibe/connectors';
import { FieldCipher } from '@drehscheibe/security';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConnectorsController } from './connectors.controller.js';

/** Administering connectors (the runtime is apps/connectors); the metrics read their state too. */
@Module({
  controllers: [ConnectorsController],
  providers: [
    {
      provide: ConnectorConfigs,
      useFactory: (dataSource: DataSource, cipher: FieldCipher) => new ConnectorConfigs(dataSource, cipher),
      inject: [DataSource, FieldCipher],
    },
  ],
  exports: [ConnectorConfigs],
})
export class ConnectorsModule {}
