import type { Ticket, TicketCreate } from '@drehscheibe/contracts';
import { CodelistRegistry } from '@drehscheibe/codelists';
import { derivePriority, DomainError, parseInstant, type Level } from '@drehscheibe/domain';
import { isUniqueViolation, ParticipantEntity, RoutingRuleEntity, ServiceEntity, TicketEntity, TicketPartyEntity } from '@drehscheibe/persistence';
import { chooseAssignee } from '@drehscheibe/routing';
import { FieldCipher } from '@drehscheibe/security';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { DELIVERY_DISPATCHER, type DeliveryDispatcher } from './delivery-dispatcher.js';
import { recordEvent } from './event-recorder.js';
import { toTicketView } from './ticket-view.js';

/**
 * Use case 2.1: the MiLa hands a ticket to the hub, which routes it to the
 * BeLa. Creation and routing are one change (version 1, `ticket.forwarded`).
 */
@Injectable()
export class CreateTicket {
  constructor(
    private readonly dataSource: DataSource,
    private readonly codelists: CodelistRegistry,
    private readonly cipher: FieldCipher,
    @Inject(DELIVERY_DISPATCHER) private readonly dispatcher: DeliveryDispatcher,
  ) {}

  async execute(originId: string, input: TicketCreate): Promise<Ticket> {
    if (input.category !== undefined && !this.codelists.has('category', input.category)) {
      throw new DomainError('unknown-code', `category ${input.category} is not in codelist category`, {
        errors: [{ pointer: '/body/category', message: 'is not in codelist category' }],
      });
    }
    // Routing reads the registry before the transaction: it locks nothing, and
    // the transaction then holds its connection only for the writes.
    const { service, decision, endpoints } = await this.route(originId, input);
    const { assigneeId, via } = decision;
    const { view, deliveries } = await this.dataSource.transaction(async (em) => {

      const now = new Date();
      const ticket = em.create(TicketEntity, {
        id: uuidv7(),
        version: 1,
        type: input.type,
        subject: input.subject,
        description: input.description ?? null,
        serviceId: service.id,
        category: input.category ?? null,
        impact: input.impact,
        urgency: input.urgency,
        priority: derivePriority(input.impact as Level, input.urgency as Level),
        status: 'forwarded',
        originId,
        originExternalId: input.externalId,
        assigneeId,
        resolverId: null,
        senderId: originId,
        supportLevel: input.supportLevel ?? 1,
        channel: input.channel,
        requesterEnc: input.requester ? this.cipher.encrypt(input.requester) : null,
        resolution: null,
        reportedAt: input.reportedAt ? parseInstant(input.reportedAt) : null,
        createdAt: now,
        updatedAt: now,
        dueAt: input.dueAt ? parseInstant(input.dueAt) : null,
        resolvedAt: null,
        closedAt: null,
      });
      try {
        await em.insert(TicketEntity, ticket);
      } catch (e) {
        if (isUniqueViolation(e, 'tickets_origin_external_id_key')) {
          throw new DomainError('duplicate-external-id', `you already created a ticket with externalId ${input.externalId}`);
        }
        throw e;
      }
      const parties = [
        em.create(TicketPartyEntity, { ticketId: ticket.id, participantId: originId, externalId: input.externalId, joinedAt: now }),
        em.create(TicketPartyEntity, { ticketId: ticket.id, participantId: assigneeId, externalId: null, joinedAt: now }),
      ];
      await em.insert(TicketPartyEntity, parties);
      const aggregate = { ticket, parties, service, comments: [], attachments: [] };
      const { deliveries } = await recordEvent(
        em,
        aggregate,
        originId,
        'ticket.forwarded',
        { status: 'forwarded', previousStatus: 'new', assignee: { participantId: assigneeId }, ...(via.kind === 'rule' ? { routingRule: via.ruleId } : {}) },
        now,
        endpoints,
      );
      return { view: toTicketView(aggregate, originId, input.requester), deliveries };
    });
    await this.dispatcher.dispatch(deliveries);
    return view;
  }

  /**
   * Explicit target, else routing rules, else the service's operator. Two
   * round trips: service and rules together, then every participant involved.
   */
  private async route(originId: string, input: TicketCreate) {
    const em = this.dataSource.manager;
    const explicitId = input.assignee?.participantId;
    const [service, rules] = await Promise.all([
      em.findOneBy(ServiceEntity, { id: input.serviceId }),
      explicitId ? Promise.resolve([]) : em.find(RoutingRuleEntity, { where: { enabled: true }, order: { position: 'ASC' } }),
    ]);
    if (!service) {
      throw new DomainError('unknown-service', `service ${input.serviceId} is not registered`, {
        errors: [{ pointer: '/body/serviceId', message: 'is not a registered service' }],
      });
    }
    const ids = new Set([originId, service.operatorId, ...(explicitId ? [explicitId] : []), ...rules.map((r) => r.targetId)]);
    const participants = new Map((await em.find(ParticipantEntity, { where: { id: In([...ids]) } })).map((p) => [p.id, p]));
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
