import type { Ticket, TicketCreate } from '@drehscheibe/contracts';
import { CodelistRegistry } from '@drehscheibe/codelists';
import { derivePriority, DomainError, parseInstant } from '@drehscheibe/domain';
import {
  fromJsonRow,
  isUniqueViolation,
  jsonObjectSql,
  queryPrepared,
  type PreparedStatement,
  ParticipantEntity,
  RoutingRuleEntity,
  ServiceEntity,
  type TicketEntity,
  type TicketPartyEntity,
} from '@drehscheibe/persistence';
import { chooseAssignee } from '@drehscheibe/routing';
import { FieldCipher } from '@drehscheibe/security';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { DELIVERY_DISPATCHER, type DeliveryDispatcher } from './delivery-dispatcher.js';
import { outboxParams, outboxSql, prepareEvent } from './event-recorder.js';
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
      resolution: null,
      reportedAt: input.reportedAt ? parseInstant(input.reportedAt) : null,
      createdAt: now,
      updatedAt: now,
      dueAt: input.dueAt ? parseInstant(input.dueAt) : null,
      resolvedAt: null,
      closedAt: null,
    };
    const parties: TicketPartyEntity[] = [
      { ticketId: ticket.id, participantId: originId, externalId: input.externalId, joinedAt: now, joinedVersion: 1 },
      { ticketId: ticket.id, participantId: assigneeId, externalId: null, joinedAt: now, joinedVersion: 1 },
    ];
    const aggregate = { ticket, parties, service, comments: [], attachments: [] };
    const recorded = prepareEvent(
      aggregate,
      originId,
      'ticket.forwarded',
      { status: 'forwarded', previousStatus: 'new', assignee: { participantId: assigneeId }, ...(via.kind === 'rule' ? { routingRule: via.ruleId } : {}) },
      now,
      endpoints,
    );
    try {
      // One statement is one transaction: ticket, parties, event and deliveries (the outbox) commit together.
      await queryPrepared(this.dataSource.manager, INSERT_TICKET, [
        ticket.id,
        ticket.type,
        ticket.subject,
        ticket.description,
        ticket.serviceId,
        ticket.category,
        ticket.impact,
        ticket.urgency,
        ticket.priority,
        originId,
        ticket.originExternalId,
        assigneeId,
        ticket.supportLevel,
        ticket.channel,
        ticket.requesterEnc,
        ticket.reportedAt,
        now,
        ticket.dueAt,
        ...outboxParams(recorded),
      ]);
    } catch (e) {
      if (isUniqueViolation(e, 'tickets_origin_external_id_key')) {
        throw new DomainError('duplicate-external-id', `you already created a ticket with externalId ${input.externalId}`);
      }
      throw e;
    }
    await this.dispatcher.dispatch(recorded.deliveries);
    return toTicketView(aggregate, originId, input.requester);
  }

  /**
   * Explicit target, else routing rules, else the service's operator. One
   * statement reads the service, the enabled rules (none when a target is
   * named) and every participant involved.
   */
  private async route(originId: string, input: TicketCreate) {
    const explicitId = input.assignee?.participantId;
    const [row] = await queryPrepared<RoutingRow>(this.dataSource.manager, this.routingRead(), [input.serviceId, originId, explicitId ?? null]);
    if (!row?.service) {
      throw new DomainError('unknown-service', `service ${input.serviceId} is not registered`, {
        errors: [{ pointer: '/body/serviceId', message: 'is not a registered service' }],
      });
    }
    const ds = this.dataSource;
    const service = fromJsonRow(ds, ServiceEntity, row.service);
    const rules = row.rules.map((r) => fromJsonRow(ds, RoutingRuleEntity, r));
    const participants = new Map(row.participants.map((p) => fromJsonRow(ds, ParticipantEntity, p)).map((p) => [p.id, p]));
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

  private routingSql?: PreparedStatement;

  private routingRead(): PreparedStatement {
    this.routingSql ??= {
      name: 'ticket_routing_v1',
      text: `WITH s AS (SELECT * FROM services WHERE id = $1),
           r AS (SELECT * FROM routing_rules WHERE enabled AND $3::text IS NULL)
      SELECT (SELECT ${jsonObjectSql(this.dataSource, ServiceEntity, 's')} FROM s) AS service,
             (SELECT coalesce(json_agg(${jsonObjectSql(this.dataSource, RoutingRuleEntity, 'r')} ORDER BY r.position), '[]'::json) FROM r) AS rules,
             (SELECT coalesce(json_agg(${jsonObjectSql(this.dataSource, ParticipantEntity, 'p')}), '[]'::json) FROM participants p
               WHERE p.id = $2 OR p.id = $3 OR p.id IN (SELECT operator_id FROM s) OR p.id IN (SELECT target_id FROM r)) AS participants`,
    };
    return this.routingSql;
  }
}

interface RoutingRow {
  service: Record<string, unknown> | null;
  rules: Record<string, unknown>[];
  participants: Record<string, unknown>[];
}

const outbox = outboxSql(19);
/**
 * Ticket, both parties, the event, its deliveries and the Idempotency-Key's
 * outcome: one statement, so one implicit transaction.
 */
const INSERT_TICKET: PreparedStatement = {
  name: 'ticket_create_v1',
  text: `WITH ticket AS (
    INSERT INTO tickets (id, version, type, subject, description, service_id, category, impact, urgency, priority, status,
      origin_id, origin_external_id, assignee_id, resolver_id, sender_id, support_level, channel, requester_enc, resolution,
      reported_at, created_at, updated_at, due_at, resolved_at, closed_at)
    VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, 'forwarded', $10, $11, $12, NULL, $10, $13, $14, $15, NULL, $16, $17, $17, $18, NULL, NULL)
  ), parties AS (
    INSERT INTO ticket_parties (ticket_id, participant_id, external_id, joined_at, joined_version) VALUES ($1, $10, $11, $17, 1), ($1, $12, NULL, $17, 1)
  ), ${outbox.eventCte}
  ${outbox.deliveriesInsert}`,
};
