export { CreateTicket } from './create-ticket.usecase.js';
export { TicketCommands } from './ticket-commands.js';
export { TicketSteps } from './ticket-steps.js';
export { DesiredState, type AppliedStep, type StateResult } from './desired-state.js';
export { TicketQueries } from './ticket-queries.js';
export { toEventView, toEventDelivery, ticketEventMessage } from './ticket-events.js';
export {
  TicketCommandRunner,
  type CommandResult,
  type ExpectedVersions,
  type WriteConditions,
  type SourceRefOutcome,
  type AppliedEvent,
} from './ticket-command-runner.js';
export { TicketStore, ticketParticipantReferences, ticketEncryptedColumns, type TicketTransaction, type LoadedTicket } from './ticket-store.js';
export { TicketPresenter } from './ticket-presenter.js';
export { toTicketView } from './ticket-view.js';
export { TicketList, type TicketFilter, type TicketPage } from './ticket-list.js';
export { TicketAttachments, ATTACHMENT_POLICY, type AttachmentPolicy, type Upload } from './ticket-attachments.js';
export { cleanFilename } from './attachment-content.js';
export { ATTACHMENT_STORE, DatabaseAttachmentStore, DirectoryAttachmentStore, type AttachmentContentStore } from './attachment-store.js';
export { ticketEventFeedSource } from './ticket-feed-source.js';
export { AutoClose, autoCloseStep, type AutoClosePolicy, type AutoCloseRun } from './auto-close.js';
export { NativeInbound, type InboundOutcome, type InboundProfiles } from './native-inbound.js';
export { RequesterPurge, type RequesterCopies, type RequesterPurgePolicy } from './requester-purge.js';
