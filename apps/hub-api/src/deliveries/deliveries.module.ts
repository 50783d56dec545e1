import { DeliveryAdmin, DeliveryQueue } from '@drehscheibe/delivery';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveriesController, ReceiversController } from './deliveries.controller.js';

/** Operators' view of deliveries and receivers: list, retry, pause, resume, replay dead letters. */
@Module({
  controllers: [DeliveriesController, ReceiversController],
  providers: [
    {
      provide: DeliveryAdmin,
      useFactory: (dataSource: DataSource, queue: DeliveryQueue) => new DeliveryAdmin(dataSource, queue),
      inject: [DataSource, DeliveryQueue],
    },
  ],
})
export class DeliveriesModule {}
