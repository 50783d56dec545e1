import { DomainError } from '@drehscheibe/domain';
import { ConnectorEntity, ConnectorStateEntity, ParticipantEntity, type EncryptedColumn, type StoredConnectorAuth } from '@drehscheibe/persistence';
import type { FieldCipher } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { DEFAULT_CONNECTOR_SETTINGS, type ConnectorAuth, type ConnectorConfig, type ConnectorKind, type ConnectorSettings } from './connector-config.js';
import { toConnectorConfig } from './enabled-connectors.js';

/** How an administrator gives the authentication: the secret may be left out to keep the stored one (same kind). */
export type ConnectorAuthInput =
  | { kind: 'basic'; username: string; password?: string }
  | { kind: 'bearer'; token?: string }
  | { kind: 'api-key'; header: string; prefix?: string; value?: string };

/** A connector as an administrator configures it (`PUT /v1/participants/{id}/connector`). */
export interface ConnectorInput {
  kind: ConnectorKind;
  baseUrl: string;
  auth: ConnectorAuthInput;
  /** Merged over DEFAULT_CONNECTOR_SETTINGS. */
  settings?: Partial<ConnectorSettings>;
  enabled?: boolean;
}

/** The authentication without its secret: what any answer shows. */
export interface ConnectorAuthView {
  kind: ConnectorAuth['kind'];
  username?: string;
  header?: string;
  prefix?: string;
  secretSet: true;
}

/** `failing`: FAILING_AFTER consecutive failures, or no success for STALE_AFTER poll intervals; `idle`: never polled. */
export type ConnectorHealth = 'ok' | 'failing' | 'idle' | 'disabled';

/** What the connector runtime is doing, as operators see it. */
export interface ConnectorStateView {
  health: ConnectorHealth;
  lease: { owner: string; until: string } | null;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lagMs: number | null;
  lastError: { at: string; cause: string; message: string } | null;
  consecutiveFailures: number;
  changesApplied: number;
  echoesSuppressed: number;
  writes: number;
  pendingWrite: boolean;
  watermark: Record<string, unknown> | null;
}

/** A connector's configuration (never its secret) and its state. */
export interface ConnectorView {
  participantId: string;
  kind: ConnectorKind;
  baseUrl: string;
  auth: ConnectorAuthView;
  settings: ConnectorSettings;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  state: ConnectorStateView;
}

/** One connector's state with what its health depends on (for metrics). */
export interface ConnectorStatus {
  participantId: string;
  enabled: boolean;
  pollIntervalMs: number;
  state: ConnectorStateView;
}

export const FAILING_AFTER_FAILURES = 3;
export const STALE_AFTER_POLL_INTERVALS = 5;
/** A new connector that no replica has polled this long after it was configured is failing (no connectors process runs, or none can reach the database). */
export const UNPOLLED_AFTER_MS = 60_000;
export const POLL_INTERVAL_MS = { min: 200, max: 3_600_000 } as const;
export const SETTLE_MS = { min: 0, max: 600_000 } as const;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/**
 * The health an operator sees, from the stored state: a connector that has
 * failed FAILING_AFTER_FAILURES times in a row, or has not succeeded for
 * STALE_AFTER_POLL_INTERVALS poll intervals (its runtime may be gone), is
 * failing.
 */
export function connectorHealth(
  enabled: boolean,
  pollIntervalMs: number,
  state: Pick<ConnectorStateEntity, 'lastPollAt' | 'lastSuccessAt' | 'consecutiveFailures'> | null,
  now: number,
  /** When it was configured last: a connector no replica has polled for a while after it has no runtime working it. */
  configuredAt?: Date,
): ConnectorHealth {
  if (!enabled) return 'disabled';
  if (!state?.lastPollAt)
    return configuredAt && now - configuredAt.getTime() > Math.max(STALE_AFTER_POLL_INTERVALS * pollIntervalMs, UNPOLLED_AFTER_MS) ? 'failing' : 'idle';
  if (state.consecutiveFailures >= FAILING_AFTER_FAILURES) return 'failing';
  if (state.lastSuccessAt && now - state.lastSuccessAt.getTime() > STALE_AFTER_POLL_INTERVALS * pollIntervalMs) return 'failing';
  // Polled, never succeeded, fewer failures than the limit: the first polls of a new connector.
  return 'ok';
}

type Violation = { pointer: string; message: string };

/**
 * Participants' connectors as administrators configure them (one store for
 * `connectors`; `connector_states` is written by the runtime and read here
 * for operators). Secrets are stored encrypted with the FieldCipher and only
 * `enabled()` decrypts them, for the runtime; no view carries one.
 */
export class ConnectorConfigs {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  /**
   * Creates or replaces the participant's connector. Refuses a participant
   * with a webhook endpoint: the hub would write to its system twice, by
   * delivery and by connector.
   */
  async put(participantId: string, input: ConnectorInput, actorClientId: string): Promise<{ view: ConnectorView; created: boolean }> {
    const settings = { ...DEFAULT_CONNECTOR_SETTINGS, ...definedMembers(input.settings ?? {}) };
    const baseUrl = normalisedBaseUrl(input.baseUrl);
    const violations = [...baseUrlViolations(input.baseUrl), ...settingsViolations(input.kind, settings), ...authShapeViolations(input.auth)];
    if (violations.length > 0) throw invalid(violations);

    const { row, created } = await this.dataSource.transaction(async (em) => {
      // The participant's row is held until commit: its delivery URL cannot be set meanwhile by a registry change.
      const participant = await em.findOne(ParticipantEntity, { where: { id: participantId }, lock: { mode: 'pessimistic_read' } });
      if (!participant) throw new DomainError('not-found', `participant ${participantId} is not registered`);
      if (participant.deliveryUrl)
        throw new DomainError(
          'participant-has-endpoint',
          `participant ${participantId} receives webhooks at its deliveryUrl; a connector would write to its system a second time. Remove the deliveryUrl first (PATCH /v1/participants/${participantId} {"deliveryUrl": null})`,
        );
      const current = await em.findOne(ConnectorEntity, { where: { participantId }, lock: { mode: 'pessimistic_write' } });
      const auth = this.storedAuth(input.auth, current?.auth ?? null);
      const now = new Date();
      const values = {
        participantId,
        kind: input.kind,
        baseUrl,
        auth,
        settings: { ...settings },
        enabled: input.enabled ?? true,
        updatedAt: now,
        updatedBy: actorClientId,
      };
      // created_at keeps its first value: the upsert writes only the members given.
      await em.upsert(ConnectorEntity, values, ['participantId']);
      return { row: await em.findOneByOrFail(ConnectorEntity, { participantId }), created: current === null };
    });
    return { view: this.view(row, await this.stateRow(participantId)), created };
  }

  /** The participant's connector with its state; 404 when it has none. */
  async get(participantId: string): Promise<ConnectorView> {
    const [row, state] = await Promise.all([this.dataSource.manager.findOneBy(ConnectorEntity, { participantId }), this.stateRow(participantId)]);
    if (!row) throw await this.missing(participantId);
    return this.view(row, state);
  }

  /** Every connector with its state, by participant id. */
  async list(): Promise<ConnectorView[]> {
    const [rows, states] = await Promise.all([
      this.dataSource.manager.find(ConnectorEntity, { order: { participantId: 'ASC' } }),
      this.dataSource.manager.find(ConnectorStateEntity),
    ]);
    const byParticipant = new Map(states.map((s) => [s.participantId, s]));
    return rows.map((row) => this.view(row, byParticipant.get(row.participantId) ?? null));
  }

  /** Removes the connector, its secret and its state (the runtime stops on its next pass); 404 when there is none. */
  async remove(participantId: string): Promise<void> {
    const result = await this.dataSource.manager.delete(ConnectorEntity, { participantId });
    if (!result.affected) throw await this.missing(participantId);
  }

  /** The enabled connectors with their secrets decrypted: for the connector runtime only, never for an answer or a log. */
  async enabled(): Promise<ConnectorConfig[]> {
    const rows = await this.dataSource.manager.find(ConnectorEntity, { where: { enabled: true }, order: { participantId: 'ASC' } });
    return rows.map((row) => toConnectorConfig(row, this.cipher));
  }

  /** Every connector's state and health (what the metrics show), by participant id. */
  async states(): Promise<ConnectorStatus[]> {
    const [rows, states] = await Promise.all([
      this.dataSource.manager.find(ConnectorEntity, {
        select: { participantId: true, enabled: true, settings: true, updatedAt: true },
        order: { participantId: 'ASC' },
      }),
      this.dataSource.manager.find(ConnectorStateEntity),
    ]);
    const byParticipant = new Map(states.map((s) => [s.participantId, s]));
    const now = Date.now();
    return rows.map((row) => {
      const pollIntervalMs = settingsOf(row).pollIntervalMs;
      return {
        participantId: row.participantId,
        enabled: row.enabled,
        pollIntervalMs,
        state: stateView(row.enabled, pollIntervalMs, byParticipant.get(row.participantId) ?? null, now, row.updatedAt),
      };
    });
  }

  /** One connector's state and health; 404 when the participant has no connector. */
  async state(participantId: string): Promise<ConnectorStateView> {
    return (await this.get(participantId)).state;
  }

  private stateRow(participantId: string): Promise<ConnectorStateEntity | null> {
    return this.dataSource.manager.findOneBy(ConnectorStateEntity, { participantId });
  }

  private async missing(participantId: string): Promise<DomainError> {
    // The registry's table, read only: says which of the two is missing.
    const registered = await this.dataSource.manager.exists(ParticipantEntity, { where: { id: participantId } });
    return new DomainError('not-found', registered ? `participant ${participantId} has no connector` : `participant ${participantId} is not registered`);
  }

  /** The auth as stored: a given secret encrypted, else the stored one of the same kind kept. */
  private storedAuth(input: ConnectorAuthInput, current: StoredConnectorAuth | null): StoredConnectorAuth {
    const secret = secretOf(input);
    let secretEnc: string;
    if (secret !== undefined) secretEnc = this.cipher.encrypt(secret);
    else if (current && current.kind === input.kind) secretEnc = current.secretEnc;
    else
      throw invalid([
        {
          pointer: `/body/auth/${SECRET_MEMBER[input.kind]}`,
          message: current ? `is required when auth.kind changes (stored: ${current.kind})` : 'is required for a new connector',
        },
      ]);
    switch (input.kind) {
      case 'basic':
        return { kind: 'basic', username: input.username, secretEnc };
      case 'bearer':
        return { kind: 'bearer', secretEnc };
      case 'api-key':
        return { kind: 'api-key', header: input.header, ...(input.prefix ? { prefix: input.prefix } : {}), secretEnc };
    }
  }

  private view(row: ConnectorEntity, state: ConnectorStateEntity | null): ConnectorView {
    const settings = settingsOf(row);
    return {
      participantId: row.participantId,
      kind: row.kind,
      baseUrl: row.baseUrl,
      auth: authView(row.auth),
      settings,
      enabled: row.enabled,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
      state: stateView(row.enabled, settings.pollIntervalMs, state, Date.now(), row.updatedAt),
    };
  }
}

const SECRET_MEMBER: Record<ConnectorAuthInput['kind'], string> = { basic: 'password', bearer: 'token', 'api-key': 'value' };

function secretOf(auth: ConnectorAuthInput): string | undefined {
  switch (auth.kind) {
    case 'basic':
      return auth.password;
    case 'bearer':
      return auth.token;
    case 'api-key':
      return auth.value;
  }
}

function authView(auth: StoredConnectorAuth): ConnectorAuthView {
  switch (auth.kind) {
    case 'basic':
      return { kind: 'basic', username: auth.username, secretSet: true };
    case 'bearer':
      return { kind: 'bearer', secretSet: true };
    case 'api-key':
      return { kind: 'api-key', header: auth.header, ...(auth.prefix ? { prefix: auth.prefix } : {}), secretSet: true };
  }
}

function settingsOf(row: Pick<ConnectorEntity, 'settings'>): ConnectorSettings {
  return { ...DEFAULT_CONNECTOR_SETTINGS, ...(row.settings as Partial<ConnectorSettings>) };
}

function stateView(enabled: boolean, pollIntervalMs: number, state: ConnectorStateEntity | null, now: number, configuredAt: Date): ConnectorStateView {
  return {
    health: connectorHealth(enabled, pollIntervalMs, state, now, configuredAt),
    lease: state?.leaseOwner && state.leaseUntil ? { owner: state.leaseOwner, until: state.leaseUntil.toISOString() } : null,
    lastPollAt: state?.lastPollAt?.toISOString() ?? null,
    lastSuccessAt: state?.lastSuccessAt?.toISOString() ?? null,
    lagMs: state?.lagMs == null ? null : Number(state.lagMs),
    lastError: state?.lastError ? { at: state.lastError.at, cause: state.lastError.cause, message: state.lastError.message } : null,
    consecutiveFailures: state?.consecutiveFailures ?? 0,
    changesApplied: Number(state?.changesApplied ?? 0),
    echoesSuppressed: Number(state?.echoesSuppressed ?? 0),
    writes: Number(state?.writes ?? 0),
    pendingWrite: state?.pendingWrite != null,
    watermark: state?.watermark ?? null,
  };
}

function invalid(errors: Violation[]): DomainError {
  return new DomainError('invalid-connector', errors.map((e) => `${e.pointer} ${e.message}`).join('; '), { errors });
}

/** Without members given as `undefined`, so they do not hide a default. */
function definedMembers<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Without trailing slashes: the runtime appends paths that start with one. */
function normalisedBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

function baseUrlViolations(baseUrl: string): Violation[] {
  const pointer = '/body/baseUrl';
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return [{ pointer, message: 'is not an absolute URL' }];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [{ pointer, message: `must be http or https, not ${url.protocol.replace(/:$/, '')}` }];
  const violations: Violation[] = [];
  // Credentials in a URL end up in logs and proxies: they belong in `auth`, encrypted.
  if (url.username || url.password || /^[a-z]+:\/\/[^/?#]*@/i.test(baseUrl))
    violations.push({ pointer, message: 'must not carry credentials; put them in auth' });
  if (baseUrl.includes('?')) violations.push({ pointer, message: 'must not have a query' });
  if (baseUrl.includes('#')) violations.push({ pointer, message: 'must not have a fragment' });
  return violations;
}

function settingsViolations(kind: ConnectorKind, settings: ConnectorSettings): Violation[] {
  const violations: Violation[] = [];
  const inRange = (value: unknown, range: { min: number; max: number }) =>
    Number.isInteger(value) && (value as number) >= range.min && (value as number) <= range.max;
  if (!inRange(settings.pollIntervalMs, POLL_INTERVAL_MS))
    violations.push({ pointer: '/body/settings/pollIntervalMs', message: `must be an integer from ${POLL_INTERVAL_MS.min} to ${POLL_INTERVAL_MS.max}` });
  if (!inRange(settings.settleMs, SETTLE_MS))
    violations.push({ pointer: '/body/settings/settleMs', message: `must be an integer from ${SETTLE_MS.min} to ${SETTLE_MS.max}` });
  if (kind === 'rt5' && !settings.systemUser?.trim())
    violations.push({ pointer: '/body/settings/systemUser', message: "is required for rt5: the hub's own RT user, whose changes are never read back" });
  return violations;
}

function authShapeViolations(auth: ConnectorAuthInput): Violation[] {
  switch (auth.kind) {
    case 'basic':
      return auth.username?.trim() ? [] : [{ pointer: '/body/auth/username', message: 'is required for basic' }];
    case 'bearer':
      return [];
    case 'api-key':
      return HEADER_NAME.test(auth.header ?? '') ? [] : [{ pointer: '/body/auth/header', message: 'must be an HTTP header name' }];
    default:
      return [{ pointer: '/body/auth/kind', message: 'must be basic, bearer or api-key' }];
  }
}

/** Each connector's secret is encrypted with the data key, for `hub-cli rotate-data-key`. */
export const connectorEncryptedColumns: EncryptedColumn[] = [{ table: 'connectors', key: ['participant_id'], column: 'auth', jsonField: 'secretEnc' }];
