import type { HubConfig } from '@drehscheibe/config';
import { ReceiptSigner, type SigningKey } from '@drehscheibe/security';
import {
  ATTACHMENT_POLICY,
  ATTACHMENT_STORE,
  CreateTicket,
  DatabaseAttachmentStore,
  DirectoryAttachmentStore,
  TicketAttachments,
  TicketCommandRunner,
  TicketCommands,
  TicketSteps,
  DesiredState,
  TicketList,
  TicketPresenter,
  TicketQueries,
  TicketStore,
  type AttachmentPolicy,
} from '@drehscheibe/tickets';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, TOKEN_SIGNING_KEY } from '../core/tokens.js';
import { RegistryModule } from '../registry/registry.module.js';
import { AttachmentsController } from './attachments.controller.js';
import { LifecycleController } from './lifecycle.controller.js';
import { TicketOutcomeReplies } from './ticket-replies.js';
import { TicketsController } from './tickets.controller.js';

/** The exchange: tickets, their commands and attachments, signed receipts. */
@Module({
  imports: [RegistryModule],
  controllers: [TicketsController, AttachmentsController, LifecycleController],
  providers: [
    TicketStore,
    TicketPresenter,
    TicketCommandRunner,
    CreateTicket,
    TicketSteps,
    TicketCommands,
    DesiredState,
    TicketQueries,
    TicketList,
    TicketAttachments,
    TicketOutcomeReplies,
    {
      provide: ReceiptSigner,
      useFactory: (key: SigningKey, config: HubConfig) => new ReceiptSigner(key, config.auth.issuer),
      inject: [TOKEN_SIGNING_KEY, HUB_CONFIG],
    },
    {
      provide: ATTACHMENT_POLICY,
      useFactory: (config: HubConfig): AttachmentPolicy => ({ maxBytes: config.attachments.maxBytes, mediaTypes: config.attachments.mediaTypes }),
      inject: [HUB_CONFIG],
    },
    {
      provide: ATTACHMENT_STORE,
      useFactory: (config: HubConfig, dataSource: DataSource) =>
        config.attachments.directory ? new DirectoryAttachmentStore(config.attachments.directory) : new DatabaseAttachmentStore(dataSource),
      inject: [HUB_CONFIG, DataSource],
    },
  ],
  // The idempotency interceptor answers a request whose change committed but whose answer was lost.
  exports: [TicketOutcomeReplies, TicketStore, CreateTicket, TicketCommands, DesiredState, TicketQueries],
})
export class TicketsModule {}
