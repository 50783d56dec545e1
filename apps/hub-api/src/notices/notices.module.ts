import { ServiceNotices } from '@drehscheibe/notices';
import { Module } from '@nestjs/common';
import { ServiceNoticesController } from './notices.controller.js';

/** Service notices (planned maintenance, outages) and who subscribed to them. */
@Module({
  controllers: [ServiceNoticesController],
  providers: [ServiceNotices],
})
export class NoticesModule {}
