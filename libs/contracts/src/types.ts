import type { components } from './generated/openapi.js';

type Schemas = components['schemas'];

export type Ticket = Schemas['Ticket'];
export type TicketCreate = Schemas['TicketCreate'];
export type TicketEvent = Schemas['TicketEvent'];
export type TicketEventType = Schemas['EventType'];
export type Delivery = Schemas['Delivery'];
export type Acknowledgement = Schemas['Acknowledgement'];
export type StatusChange = Schemas['StatusChange'];
export type ResolutionInput = Schemas['ResolutionInput'];
export type CloseInput = Schemas['CloseInput'];
export type ReopenInput = Schemas['ReopenInput'];
export type RejectionInput = Schemas['RejectionInput'];
export type ForwardInput = Schemas['ForwardInput'];
export type CancelInput = Schemas['CancelInput'];
export type CommentInput = Schemas['CommentInput'];
export type TicketStateInput = Schemas['TicketStateInput'];
export type TicketStateResult = Schemas['TicketStateResult'];
export type Lifecycle = Schemas['Lifecycle'];
export type Problem = Schemas['Problem'];
export type Codelist = Schemas['Codelist'];
export type TokenResponse = Schemas['TokenResponse'];
export type Requester = Schemas['Requester'];
export type Health = Schemas['Health'];
export type { components, paths } from './generated/openapi.js';
