import { DeliveryAdmin, DeliveryQueue, DeliveryStore, ReceiverHealthStore } from '@drehscheibe/delivery';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveriesController, ReceiversController } from './deliveries.controller.js';

/** Operators' view of deliveries and receivers: list, retry, pause, resume, replay dead letters. */
@Module({
  controllers: [DeliveriesController, ReceiversController],
  providers: [
    { provide: DeliveryStore, useFactory: (dataSource: DataSource) => new DeliveryStore(dataSource), inject: [DataSource] },
    { provide: ReceiverHealthStore, useFactory: (dataSource: DataSource) => new ReceiverHealthStore(dataSource), inject: [DataSource] },
    {
      provide: DeliveryAdmin,
      useFactory: (deliveries: DeliveryStore, health: ReceiverHealthStore, queue: DeliveryQueue) => new DeliveryAdmin(deliveries, health, queue),
      inject: [DeliveryStore, ReceiverHealthStore, DeliveryQueue],
    },
  ],
  exports: [DeliveryStore, ReceiverHealthStore],
})
export class DeliveriesModule {}
