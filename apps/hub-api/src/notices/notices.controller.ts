import type { components } from '@drehscheibe/contracts';
import { ServiceNotices, type ServiceNotice } from '@drehscheibe/notices';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CallerParticipant } from '../http/request-context.js';

@Controller('v1/services/:serviceId')
export class ServiceNoticesController {
  constructor(private readonly notices: ServiceNotices) {}

  @Get('notices')
  async current(@Param('serviceId') serviceId: string): Promise<{ items: ServiceNotice[] }> {
    return { items: await this.notices.current(serviceId) };
  }

  @Post('notices')
  @HttpCode(201)
  publish(
    @CallerParticipant() caller: string,
    @Param('serviceId') serviceId: string,
    @Body() body: components['schemas']['ServiceNoticeInput'],
  ): Promise<ServiceNotice> {
    return this.notices.publish(caller, serviceId, body);
  }

  @Put('subscription')
  @HttpCode(204)
  async subscribe(@CallerParticipant() caller: string, @Param('serviceId') serviceId: string): Promise<void> {
    await this.notices.subscribe(caller, serviceId);
  }

  @Delete('subscription')
  @HttpCode(204)
  async unsubscribe(@CallerParticipant() caller: string, @Param('serviceId') serviceId: string): Promise<void> {
    await this.notices.unsubscribe(caller, serviceId);
  }
}
