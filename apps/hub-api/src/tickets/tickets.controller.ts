import type {
  Acknowledgement,
  CancelInput,
  CloseInput,
  CommentInput,
  ForwardInput,
  RejectionInput,
  ReopenInput,
  ResolutionInput,
  StatusChange,
  Ticket,
  TicketCreate,
  TicketEvent,
  TicketStateInput,
  TicketStateResult,
} from '@drehscheibe/contracts';
import type { RequestSignatureProof } from '@drehscheibe/evidence';
import { ReceiptSigner } from '@drehscheibe/security';
import {
  CreateTicket,
  DesiredState,
  TicketCommands,
  TicketList,
  TicketQueries,
  type CommandResult,
  type TicketFilter,
  type TicketPage,
  type WriteConditions,
} from '@drehscheibe/tickets';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CallerParticipant, etag, RequestSignature, WriteHeaders } from '../http/request-context.js';
import { DEFAULT_PAGE_SIZE, queryChoice, queryInteger, queryText, type QueryOf, type RawQuery } from '../http/query.js';
import type { RequestWithRawBody } from '../http/request-parsing.js';
import { creationHeaders } from './ticket-replies.js';

/** `GET /v1/tickets`: the query as typed values. */
export function ticketFilter(query: RawQuery): TicketFilter {
  const filter: QueryOf<'/v1/tickets', 'get'> = {
    status: queryText(query, 'status'),
    serviceId: queryText(query, 'serviceId'),
    role: queryChoice(query, 'role', ['any', 'origin', 'assignee', 'watcher']),
    category: queryText(query, 'category'),
    priority: queryInteger(query, 'priority'),
    updatedSince: queryText(query, 'updatedSince'),
    q: queryText(query, 'q'),
    externalId: queryText(query, 'externalId'),
    limit: queryInteger(query, 'limit'),
    cursor: queryText(query, 'cursor'),
  };
  return { ...filter, status: filter.status?.split(','), limit: filter.limit ?? DEFAULT_PAGE_SIZE };
}

/** The ticket's version, and whether a named source reference was applied now or before. */
export function writeResultHeaders(reply: FastifyReply, { ticket, sourceRef }: CommandResult): void {
  void reply.header('etag', etag(ticket.version));
  if (sourceRef) void reply.header('source-ref-outcome', sourceRef);
}

/** HTTP ↔ use cases; rules live in libs/tickets and libs/domain. */
@Controller('v1/tickets')
export class TicketsController {
  constructor(
    private readonly createTicket: CreateTicket,
    private readonly commands: TicketCommands,
    private readonly desiredState: DesiredState,
    private readonly queries: TicketQueries,
    private readonly list: TicketList,
    private readonly receipts: ReceiptSigner,
  ) {}

  @Get()
  find(@CallerParticipant() caller: string, @Query() query: RawQuery): Promise<TicketPage> {
    return this.list.list(caller, ticketFilter(query));
  }

  @Post()
  @HttpCode(201)
  async create(
    @CallerParticipant() caller: string,
    @Body() body: TicketCreate,
    @RequestSignature() signature: RequestSignatureProof | undefined,
    @Req() request: RequestWithRawBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    const ticket = await this.createTicket.execute(caller, body, signature);
    void reply.headers(creationHeaders(this.receipts, ticket, ticket.version, request.rawBody ?? JSON.stringify(body), signature));
    return ticket;
  }

  @Get(':ticketId')
  async get(@CallerParticipant() caller: string, @Param('ticketId') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Ticket> {
    const ticket = await this.queries.get(caller, id);
    void reply.header('etag', etag(ticket.version));
    return ticket;
  }

  @Get(':ticketId/events')
  async events(@CallerParticipant() caller: string, @Param('ticketId') id: string): Promise<{ items: TicketEvent[] }> {
    return { items: await this.queries.events(caller, id) };
  }

  @Post(':ticketId/acknowledgement')
  @HttpCode(200)
  acknowledge(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: Acknowledgement,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.acknowledge(caller, id, body, write));
  }

  @Post(':ticketId/status')
  @HttpCode(200)
  changeStatus(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: StatusChange,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.changeStatus(caller, id, body, write));
  }

  @Post(':ticketId/resolution')
  @HttpCode(200)
  resolve(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: ResolutionInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.resolve(caller, id, body, write));
  }

  @Post(':ticketId/close')
  @HttpCode(200)
  close(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: CloseInput | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.close(caller, id, body ?? {}, write));
  }

  @Post(':ticketId/reopen')
  @HttpCode(200)
  reopen(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: ReopenInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.reopen(caller, id, body, write));
  }

  @Post(':ticketId/rejection')
  @HttpCode(200)
  reject(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: RejectionInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.reject(caller, id, body, write));
  }

  @Post(':ticketId/forward')
  @HttpCode(200)
  forward(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: ForwardInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.forward(caller, id, body, write));
  }

  @Post(':ticketId/cancel')
  @HttpCode(200)
  cancel(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: CancelInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.cancel(caller, id, body, write));
  }

  @Post(':ticketId/comments')
  @HttpCode(200)
  comment(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: CommentInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    return this.respond(reply, this.commands.comment(caller, id, body, write));
  }

  @Put(':ticketId/state')
  async setState(
    @CallerParticipant() caller: string,
    @Param('ticketId') id: string,
    @WriteHeaders() write: WriteConditions,
    @Body() body: TicketStateInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketStateResult> {
    const result = await this.desiredState.set(caller, id, body, write);
    writeResultHeaders(reply, result);
    return { ticket: result.ticket, steps: result.steps };
  }

  private async respond(reply: FastifyReply, result: Promise<CommandResult>): Promise<Ticket> {
    const outcome = await result;
    writeResultHeaders(reply, outcome);
    return outcome.ticket;
  }
}
