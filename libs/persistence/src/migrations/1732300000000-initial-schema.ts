import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Registry, tickets, events and the delivery outbox. */
export class InitialSchema1732300000000 implements MigrationInterface {
  name = 'InitialSchema1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE participants (
        id text PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('land_ticket_system','service_centre_115','municipal_provider','vendor','portal')),
        land text CHECK (land ~ '^DE-[A-Z]{2}$'),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
        delivery_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE oauth_clients (
        client_id text PRIMARY KEY,
        participant_id text REFERENCES participants(id),
        secret_hash text NOT NULL,
        scopes text[] NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE services (
        id text PRIMARY KEY,
        name text NOT NULL,
        leika_key text,
        operator_id text NOT NULL REFERENCES participants(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE tickets (
        id uuid PRIMARY KEY,
        version integer NOT NULL CHECK (version >= 1),
        type text NOT NULL,
        subject text NOT NULL,
        description text,
        service_id text NOT NULL REFERENCES services(id),
        category text,
        impact smallint NOT NULL CHECK (impact BETWEEN 1 AND 3),
        urgency smallint NOT NULL CHECK (urgency BETWEEN 1 AND 3),
        priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
        status text NOT NULL,
        origin_id text NOT NULL REFERENCES participants(id),
        origin_external_id text NOT NULL,
        assignee_id text NOT NULL REFERENCES participants(id),
        resolver_id text REFERENCES participants(id),
        support_level smallint NOT NULL CHECK (support_level BETWEEN 1 AND 3),
        channel text NOT NULL,
        requester_enc text,
        resolution jsonb,
        reported_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        due_at timestamptz,
        resolved_at timestamptz,
        closed_at timestamptz,
        CONSTRAINT tickets_origin_external_id_key UNIQUE (origin_id, origin_external_id)
      )`);
    await q.query(`CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, updated_at)`);
    await q.query(`
      CREATE TABLE ticket_parties (
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        participant_id text NOT NULL REFERENCES participants(id),
        external_id text,
        joined_at timestamptz NOT NULL,
        PRIMARY KEY (ticket_id, participant_id)
      )`);
    await q.query(`CREATE INDEX ticket_parties_participant_idx ON ticket_parties (participant_id, ticket_id)`);
    await q.query(`
      CREATE TABLE ticket_events (
        id uuid PRIMARY KEY,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        ticket_version integer NOT NULL,
        type text NOT NULL,
        actor_id text NOT NULL REFERENCES participants(id),
        occurred_at timestamptz NOT NULL,
        data jsonb NOT NULL,
        snapshot jsonb NOT NULL,
        CONSTRAINT ticket_events_version_key UNIQUE (ticket_id, ticket_version)
      )`);
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL REFERENCES ticket_events(id),
        ticket_id uuid NOT NULL,
        ticket_version integer NOT NULL,
        receiver_id text NOT NULL REFERENCES participants(id),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    // Ordering check (earlier pending delivery for the same ticket and receiver)
    // and the reconciler's scan both stay on small partial indexes.
    await q.query(`CREATE INDEX deliveries_pending_order_idx ON deliveries (ticket_id, receiver_id, ticket_version) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX deliveries_pending_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX deliveries_receiver_idx ON deliveries (receiver_id, status, created_at)`);
    await q.query(`
      CREATE TABLE delivery_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES deliveries(id),
        attempted_at timestamptz NOT NULL,
        status_code integer,
        latency_ms integer NOT NULL,
        error text,
        response_excerpt text
      )`);
    await q.query(`CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['delivery_attempts', 'deliveries', 'ticket_events', 'ticket_parties', 'tickets', 'services', 'oauth_clients', 'participants']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
