export { CreateTicket } from './create-ticket.usecase.js';
export { TicketCommands } from './ticket-commands.js';
export { TicketQueries, toEventView } from './ticket-queries.js';
export { TicketCommandRunner, type CommandResult } from './ticket-command-runner.js';
export { DELIVERY_DISPATCHER, type DeliveryDispatcher } from './delivery-dispatcher.js';
export { toTicketView } from './ticket-view.js';
export { TicketList, type TicketFilter, type TicketPage } from './ticket-list.js';
export { EventFeed, type FeedPage } from './event-feed.js';
