import { DeliveryAdmin, type DeliveryDetail, type DeliveryFilter, type DeliveryRecord, type ReceiverState } from '@drehscheibe/delivery';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, queryChoice, queryInteger, queryText, type QueryOf, type RawQuery } from '../http/query.js';
import { RequireScope } from '../http/request-context.js';

/** `GET /v1/deliveries`: the query as typed values. */
export function deliveryFilter(query: RawQuery): DeliveryFilter {
  const filter: QueryOf<'/v1/deliveries', 'get'> = {
    receiverId: queryText(query, 'receiverId'),
    status: queryChoice(query, 'status', ['pending', 'delivered', 'dead']),
    ticketId: queryText(query, 'ticketId'),
    limit: queryInteger(query, 'limit'),
    cursor: queryText(query, 'cursor'),
  };
  return { ...filter, limit: filter.limit ?? DEFAULT_PAGE_SIZE };
}

@Controller('v1/deliveries')
@RequireScope('admin')
export class DeliveriesController {
  constructor(private readonly admin: DeliveryAdmin) {}

  @Get()
  list(@Query() query: RawQuery): Promise<{ items: DeliveryRecord[]; nextCursor?: string }> {
    return this.admin.list(deliveryFilter(query));
  }

  @Get(':deliveryId')
  get(@Param('deliveryId') id: string): Promise<DeliveryDetail> {
    return this.admin.get(id);
  }

  @Post(':deliveryId/retry')
  @HttpCode(200)
  retry(@Param('deliveryId') id: string): Promise<DeliveryRecord> {
    return this.admin.retry(id);
  }
}

@Controller('v1/receivers/:participantId')
@RequireScope('admin')
export class ReceiversController {
  constructor(private readonly admin: DeliveryAdmin) {}

  @Get()
  state(@Param('participantId') id: string): Promise<ReceiverState> {
    return this.admin.state(id);
  }

  @Post('pause')
  @HttpCode(200)
  pause(@Param('participantId') id: string): Promise<ReceiverState> {
    return this.admin.setPaused(id, true);
  }

  @Post('resume')
  @HttpCode(200)
  resume(@Param('participantId') id: string): Promise<ReceiverState> {
    return this.admin.setPaused(id, false);
  }

  /** The handshake runs in the worker: 202, the state shows it pending. */
  @Post('verification')
  @HttpCode(202)
  verify(@Param('participantId') id: string): Promise<ReceiverState> {
    return this.admin.verifyEndpoint(id);
  }

  @Post('dead-letters/replay')
  @HttpCode(200)
  async replay(@Param('participantId') id: string): Promise<{ replayed: number }> {
    return { replayed: await this.admin.replayDead(id) };
  }
}
