import { NoticeStore, ServiceNotices } from '@drehscheibe/notices';
import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module.js';
import { ServiceNoticesController } from './notices.controller.js';

/** Service notices (planned maintenance, outages) and who subscribed to them. */
@Module({
  imports: [RegistryModule],
  controllers: [ServiceNoticesController],
  providers: [NoticeStore, ServiceNotices],
})
export class NoticesModule {}
