import type { Ticket, TicketCreate } from '@drehscheibe/contracts';
import { CodelistRegistry } from '@drehscheibe/codelists';
import { derivePriority, DomainError, parseInstant } from '@drehscheibe/domain';
import type { RequestSignatureProof } from '@drehscheibe/evidence';
import { DELIVERY_DISPATCHER, OutboxWriter, type DeliveryDispatcher } from '@drehscheibe/outbox';
import type { TicketEntity, TicketPartyEntity } from '@drehscheibe/persistence';
import { RegistryDirectory } from '@drehscheibe/registry';
import { chooseAssignee } from '@drehscheibe/routing';
import { FieldCipher } from '@drehscheibe/security';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { prepareEvent } from './event-recorder.js';
import { TicketStore } from './ticket-store.js';
import { toTicketView } from './ticket-view.js';

/**
 * Use case 2.1: the MiLa hands a ticket to the hub, which routes it to the
 * BeLa. Creation and routing are one change (version 1, `ticket.forwarded`).
 */
@Injectable()
export class CreateTicket {
  constructor(
    private readonly store: TicketStore,
    private readonly directory: RegistryDirectory,
    private readonly outbox: OutboxWriter,
    private readonly codelists: CodelistRegistry,
    private readonly cipher: FieldCipher,
    @Inject(DELIVERY_DISPATCHER) private readonly dispatcher: DeliveryDispatcher,
  ) {}

  /** `requestSignature`: the origin's verified signature over this request, recorded in the first event. */
  async execute(originId: string, input: TicketCreate, requestSignature?: RequestSignatureProof): Promise<Ticket> {
    if (input.category !== undefined && !this.codelists.has('category', input.category)) {
      throw new DomainError('unknown-code', `category ${input.category} is not in codelist category`, {
        errors: [{ pointer: '/body/category', message: 'is not in codelist category' }],
      });
    }
    // Two statements: the routing read (it locks nothing), then all writes at once.
    const { service, decision, endpoints } = await this.route(originId, input);
    const { assigneeId, via } = decision;
    const now = new Date();
    const ticket: TicketEntity = {
      id: uuidv7(),
      version: 1,
      type: input.type,
      subject: input.subject,
      description: input.description ?? null,
      serviceId: service.id,
      category: input.category ?? null,
      impact: input.impact,
      urgency: input.urgency,
      priority: derivePriority(input.impact, input.urgency),
      status: 'forwarded',
      originId,
      originExternalId: input.externalId,
      assigneeId,
      resolverId: null,
      senderId: originId,
      supportLevel: input.supportLevel ?? 1,
      channel: input.channel,
      requesterEnc: input.requester ? this.cipher.encrypt(input.requester) : null,
      requesterPurgedAt: null,
      resolution: null,
      reportedAt: input.reportedAt ? parseInstant(input.reportedAt) : null,
      createdAt: now,
      updatedAt: now,
      dueAt: input.dueAt ? parseInstant(input.dueAt) : null,
      resolvedAt: null,
      closedAt: null,
      chainHead: null,
    };
    const parties: TicketPartyEntity[] = [
      { ticketId: ticket.id, participantId: originId, externalId: input.externalId, joinedAt: now, joinedVersion: 1 },
      { ticketId: ticket.id, participantId: assigneeId, externalId: null, joinedAt: now, joinedVersion: 1 },
    ];
    const aggregate = { ticket, parties, service, comments: [], attachments: [] };
    const recorded = await prepareEvent(
      this.outbox,
      aggregate,
      originId,
      'ticket.forwarded',
      { status: 'forwarded', previousStatus: 'new', assignee: { participantId: assigneeId }, ...(via.kind === 'rule' ? { routingRule: via.ruleId } : {}) },
      now,
      endpoints,
      requestSignature ?? null,
    );
    // One statement is one transaction: ticket, parties, event and deliveries (the outbox) commit together.
    await this.store.insertNew(aggregate, recorded);
    await this.dispatcher.dispatch(recorded.outbox.deliveries.map(({ id, receiverId }) => ({ id, receiverId })));
    return toTicketView(aggregate, originId, { requester: input.requester });
  }

  /**
   * Explicit target, else routing rules, else the service's operator. One
   * statement reads the service, the enabled rules (none when a target is
   * named) and every participant involved.
   */
  private async route(originId: string, input: TicketCreate) {
    const explicitId = input.assignee?.participantId;
    const { service, rules, participants } = await this.directory.routingContext(input.serviceId, originId, explicitId);
    if (!service) {
      throw new DomainError('unknown-service', `service ${input.serviceId} is not registered`, {
        errors: [{ pointer: '/body/serviceId', message: 'is not a registered service' }],
      });
    }
    const origin = participants.get(originId)!;
    const decision = chooseAssignee({
      origin: { id: originId, land: origin.land },
      serviceId: service.id,
      category: input.category,
      operator: participants.get(service.operatorId)!,
      rules,
      participant: (id) => participants.get(id),
      explicitId,
      explicit: explicitId ? (participants.get(explicitId) ?? null) : undefined,
    });
    const endpoints = new Map([...participants.values()].map((p) => [p.id, p.deliveryUrl]));
    return { service, decision, endpoints };
  }
}
