import {
  fromJsonRow,
  jsonObjectSql,
  ParticipantEntity,
  poolOf,
  RoutingRuleEntity,
  runPrepared,
  ServiceEntity,
  type PreparedStatement,
} from '@drehscheibe/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, Not } from 'typeorm';

/** Everything routing a new ticket needs from the registry. */
export interface RoutingContext {
  service: ServiceEntity | null;
  /** Enabled rules in order; none when the ticket names its target. */
  rules: RoutingRuleEntity[];
  /** The origin, the named target, the service's operator and every rule target. */
  participants: Map<string, ParticipantEntity>;
}

interface RoutingRow {
  service: Record<string, unknown> | null;
  rules: Record<string, unknown>[];
  participants: Record<string, unknown>[];
}

/**
 * The registry as the other capabilities read it (tickets, notices): who a
 * ticket may go to, who has an endpoint — in as few statements as the hot
 * path allows. The registry's own classes write these tables.
 */
@Injectable()
export class RegistryDirectory {
  private statement?: PreparedStatement;

  constructor(private readonly dataSource: DataSource) {}

  /** One statement: the service, the enabled rules (none when a target is named) and every participant involved. */
  async routingContext(serviceId: string, originId: string, explicitId: string | undefined): Promise<RoutingContext> {
    const [row] = await runPrepared<RoutingRow>(poolOf(this.dataSource), this.routingRead(), [serviceId, originId, explicitId ?? null]);
    const ds = this.dataSource;
    return {
      service: row?.service ? fromJsonRow(ds, ServiceEntity, row.service) : null,
      rules: (row?.rules ?? []).map((r) => fromJsonRow(ds, RoutingRuleEntity, r)),
      participants: new Map((row?.participants ?? []).map((p) => fromJsonRow(ds, ParticipantEntity, p)).map((p) => [p.id, p])),
    };
  }

  /** A participant by id, or null. */
  participant(id: string): Promise<ParticipantEntity | null> {
    return this.dataSource.manager.findOneBy(ParticipantEntity, { id });
  }

  /** A service by id, or null. */
  service(id: string): Promise<ServiceEntity | null> {
    return this.dataSource.manager.findOneBy(ServiceEntity, { id });
  }

  /** Those of the given participants that have a delivery endpoint. */
  async withEndpoint(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.manager.find(ParticipantEntity, { select: { id: true }, where: { id: In(ids), deliveryUrl: Not(IsNull()) } });
    return rows.map((r) => r.id);
  }

  private routingRead(): PreparedStatement {
    this.statement ??= {
      name: 'ticket_routing_v1',
      text: `WITH s AS (SELECT * FROM services WHERE id = $1),
           r AS (SELECT * FROM routing_rules WHERE enabled AND $3::text IS NULL)
      SELECT (SELECT ${jsonObjectSql(this.dataSource, ServiceEntity, 's')} FROM s) AS service,
             (SELECT coalesce(json_agg(${jsonObjectSql(this.dataSource, RoutingRuleEntity, 'r')} ORDER BY r.position), '[]'::json) FROM r) AS rules,
             (SELECT coalesce(json_agg(${jsonObjectSql(this.dataSource, ParticipantEntity, 'p')}), '[]'::json) FROM participants p
               WHERE p.id = $2 OR p.id = $3 OR p.id IN (SELECT operator_id FROM s) OR p.id IN (SELECT target_id FROM r)) AS participants`,
    };
    return this.statement;
  }
}
