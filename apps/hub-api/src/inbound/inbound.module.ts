import { MappingProfiles } from '@drehscheibe/mapping';
import { CreateTicket, DesiredState, TicketCommands, TicketQueries } from '@drehscheibe/tickets';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TicketsModule } from '../tickets/tickets.module.js';
import { INBOUND_PROFILES, InboundController } from './inbound.controller.js';
import { NativeInbound, type InboundProfiles } from '@drehscheibe/tickets';

/** Native in: messages in a participant's own format, translated by its mapping profile into the ticket use cases. */
@Module({
  imports: [TicketsModule, AuthModule],
  controllers: [InboundController],
  providers: [
    { provide: INBOUND_PROFILES, useExisting: MappingProfiles },
    {
      provide: NativeInbound,
      useFactory: (profiles: InboundProfiles, create: CreateTicket, commands: TicketCommands, desired: DesiredState, queries: TicketQueries) =>
        new NativeInbound(profiles, create, commands, desired, queries),
      inject: [INBOUND_PROFILES, CreateTicket, TicketCommands, DesiredState, TicketQueries],
    },
  ],
})
export class InboundModule {}
