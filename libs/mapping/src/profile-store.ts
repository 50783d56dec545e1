import { randomUUID } from 'node:crypto';
import { DomainError } from '@drehscheibe/domain';
import {
  isUniqueViolation,
  MappingBindingEntity,
  MappingProfileEntity,
  ParticipantEntity,
  poolOf,
  runPrepared,
  type EncryptedColumn,
  type PreparedStatement,
  type StoredInboundAuth,
} from '@drehscheibe/persistence';
import type { FieldCipher } from '@drehscheibe/security';
import type { Violation } from '@drehscheibe/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { CompiledProfile } from './compiled-profile.js';
import type { MappingEngine } from './engine.js';
import type { ActiveProfile, ActiveProfiles } from './profile-renderer.js';
import { generateInboundSecret, inboundAuthSetting, type InboundAuth, type InboundAuthSetting } from './inbound-auth.js';
import type { MappingProfileDocument } from './profile-document.js';

/** One stored version of a participant's profile. */
export interface ProfileVersionView {
  /** The version's own id; deliveries name the version that rendered them by it. */
  id: string;
  participantId: string;
  version: number;
  /** Whether this is the participant's active version. */
  active: boolean;
  createdAt: string;
  createdBy: string;
  document: MappingProfileDocument;
}

export type ProfileVersionSummary = Omit<ProfileVersionView, 'document'> & Pick<MappingProfileDocument, 'extends' | 'description'>;

/** Which version a participant has active, and how its native messages are authenticated. */
export interface MappingBindingView {
  participantId: string;
  version: number;
  profileId: string;
  activatedAt: string;
  activatedBy: string;
  inboundAuth: InboundAuthSetting;
  /** Only in the answer to the activation that generated it: the secret of a `shared-secret` or `hmac` setting. */
  secret?: string;
}

/** A version's document does not pass the engine's validation: answered `422 invalid-profile` with `violations`. */
export class InvalidProfileDocumentError extends DomainError {
  constructor(readonly violations: Violation[]) {
    super('invalid-profile', `the profile has ${violations.length} problem(s); nothing was stored`, { violations });
  }
}

interface Binding {
  profileId: string;
  version: number;
  inboundAuth: StoredInboundAuth;
}

const STATEMENTS = {
  bindings: {
    name: 'mapping_bindings_all_v1',
    text: `SELECT b.participant_id, b.profile_id, p.version, b.inbound_auth
             FROM mapping_bindings b JOIN mapping_profiles p ON p.id = b.profile_id`,
  },
  profile: { name: 'mapping_profile_by_id_v1', text: 'SELECT document FROM mapping_profiles WHERE id = $1' },
} satisfies Record<string, PreparedStatement>;

/**
 * A participant's mapping profile versions and the active one (one store for
 * `mapping_profiles` and `mapping_bindings`). Versions are immutable; saving
 * validates with the engine and refuses an invalid document whole.
 *
 * At run time (`active`, `activeMany`, `inboundAuth`) every process keeps all
 * bindings in memory, re-read with one query at most every `refreshMs` and at
 * once after an activation through this instance; compiled profiles are
 * cached by version id for ever. A fresh cache costs no query, so deliveries
 * to participants without a profile do not get slower. The outbox's lookup
 * (`activeMany`) never waits for the pool once the first read is done.
 */
export class MappingProfiles implements ActiveProfiles {
  private bindings = new Map<string, Binding>();
  private loadedAt = -Infinity;
  /** Whether a snapshot was read at all (until then even the outbox waits for the first read). */
  private everLoaded = false;
  /** Re-reads the bindings every `refreshMs` once the outbox uses them (see `warm`). */
  private timer?: NodeJS.Timeout;
  private loading: Promise<Map<string, Binding>> | null = null;
  /** Bumped by every local change: a read that started before it is not taken as fresh. */
  private generation = 0;
  private readonly compiled = new Map<string, Promise<CompiledProfile>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: MappingEngine,
    private readonly cipher: FieldCipher,
    private readonly options: { refreshMs: number; now?: () => number } = { refreshMs: 1000 },
  ) {}

  /** Validates and stores the next version (1, 2, 3…). Does not activate it. */
  async saveVersion(participantId: string, document: MappingProfileDocument, actorId: string): Promise<ProfileVersionView> {
    await this.participant(participantId);
    const violations = this.engine.validate(document);
    if (violations.length > 0) throw new InvalidProfileDocumentError(violations);
    // Two saves at once: the second takes the next number.
    for (let attempt = 0; ; attempt++) {
      const id = randomUUID();
      try {
        const [row] = await this.dataSource.query<Array<{ version: number; created_at: Date }>>(
          `INSERT INTO mapping_profiles (id, participant_id, version, document, created_by)
           SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4 FROM mapping_profiles WHERE participant_id = $2
           RETURNING version, created_at`,
          [id, participantId, JSON.stringify(document), actorId],
        );
        // A new version is never active yet: activation is its own step.
        return { id, participantId, version: row.version, active: false, createdAt: row.created_at.toISOString(), createdBy: actorId, document };
      } catch (e) {
        if (attempt < 5 && isUniqueViolation(e, 'mapping_profiles_participant_version_key')) continue;
        throw e;
      }
    }
  }

  /** Every version, oldest first, without their documents. */
  async versions(participantId: string): Promise<ProfileVersionSummary[]> {
    await this.participant(participantId);
    const [rows, binding] = await Promise.all([
      this.dataSource.manager.find(MappingProfileEntity, { where: { participantId }, order: { version: 'ASC' } }),
      this.bindingRow(participantId),
    ]);
    return rows.map((row) => {
      const { document, ...summary } = this.view(row, binding?.profileId);
      return { ...summary, ...pick(document) };
    });
  }

  async version(participantId: string, version: number): Promise<ProfileVersionView> {
    const row = await this.versionRow(this.dataSource.manager, participantId, version);
    return this.view(row, (await this.bindingRow(participantId))?.profileId);
  }

  /**
   * Makes a version the active one, in one transaction (any version: an
   * older one is re-activated the same way). A given `inboundAuth` replaces
   * the setting, with a new secret for `shared-secret` and `hmac`, answered
   * this once; without it the current setting stays (`bearer` at first).
   */
  async activate(participantId: string, version: number, actorId: string, inboundAuth?: InboundAuthSetting): Promise<MappingBindingView> {
    let secret: string | undefined;
    const binding = await this.dataSource.transaction(async (em) => {
      const profile = await this.versionRow(em, participantId, version);
      const current = await em.findOne(MappingBindingEntity, { where: { participantId }, lock: { mode: 'pessimistic_write' } });
      let auth: StoredInboundAuth = current?.inboundAuth ?? { kind: 'bearer' };
      if (inboundAuth) {
        const setting = inboundAuthSetting(inboundAuth);
        if (setting.kind === 'bearer') auth = setting;
        else {
          secret = generateInboundSecret();
          auth = { ...setting, header: setting.header.toLowerCase(), secretEnc: this.cipher.encrypt(secret) };
        }
      }
      const row: MappingBindingEntity = { participantId, profileId: profile.id, activatedAt: new Date(), activatedBy: actorId, inboundAuth: auth };
      await em.upsert(MappingBindingEntity, row, ['participantId']);
      return row;
    });
    await this.changed();
    return { ...this.bindingView(binding, version), ...(secret ? { secret } : {}) };
  }

  /** The participant speaks the canonical API again; its versions stay. */
  async deactivate(participantId: string): Promise<void> {
    await this.participant(participantId);
    const result = await this.dataSource.manager.delete(MappingBindingEntity, { participantId });
    await this.changed();
    if (!result.affected) throw new DomainError('not-found', `participant ${participantId} has no active mapping profile`);
  }

  /** The active version and its inbound authentication setting (no secret). */
  async binding(participantId: string): Promise<MappingBindingView> {
    await this.participant(participantId);
    const row = await this.bindingRow(participantId);
    if (!row) throw new DomainError('not-found', `participant ${participantId} has no active mapping profile`);
    const profile = await this.dataSource.manager.findOneByOrFail(MappingProfileEntity, { id: row.profileId });
    return this.bindingView(row, profile.version);
  }

  /** The participant's active profile, compiled; null: it speaks the canonical API. */
  async active(participantId: string): Promise<ActiveProfile | null> {
    const binding = (await this.currentBindings()).get(participantId);
    if (!binding) return null;
    return { profileId: binding.profileId, version: binding.version, profile: await this.byProfileId(binding.profileId) };
  }

  /**
   * `active` for several participants; participants without a profile are
   * absent. The outbox calls this inside a change's transaction, which holds
   * a pool connection: so once the bindings were read, it never waits for
   * the pool (a stale snapshot is answered and refreshed in the background;
   * waiting there could leave every connection held by a change that waits
   * for one more).
   */
  async activeMany(participantIds: string[]): Promise<Map<string, ActiveProfile>> {
    const bindings = await this.bindingsWithoutWaiting();
    const found = new Map<string, ActiveProfile>();
    for (const participantId of participantIds) {
      const binding = bindings.get(participantId);
      if (binding) found.set(participantId, { profileId: binding.profileId, version: binding.version, profile: await this.byProfileId(binding.profileId) });
    }
    return found;
  }

  /**
   * Reads the bindings (and compiles the active versions) now, e.g. when the
   * process starts, and from then on every `refreshMs` in the background: the
   * outbox's lookup does not wait for a read, so the reads must come by themselves.
   */
  async warm(): Promise<void> {
    this.keepFresh();
    await this.currentBindings();
  }

  /** A read nobody waits for: its failure (database away, closed) is the next read's to retry. */
  private refreshInBackground(): void {
    Promise.resolve()
      .then(() => this.currentBindings())
      .catch(() => undefined);
  }

  private keepFresh(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        // A closed data source ends the timer; the next lookup starts it again.
        if (!this.dataSource.isInitialized) {
          clearInterval(this.timer);
          this.timer = undefined;
          return;
        }
        this.refreshInBackground();
      },
      Math.max(this.options.refreshMs, 100),
    );
    // Never what keeps a process alive.
    this.timer.unref();
  }

  /** The version that rendered a delivery, compiled (cached for ever: versions never change). */
  byProfileId(profileId: string): Promise<CompiledProfile> {
    let compiled = this.compiled.get(profileId);
    if (!compiled) {
      compiled = this.load(profileId);
      this.compiled.set(profileId, compiled);
      // A failed load (database away) is tried again next time.
      compiled.catch(() => this.compiled.delete(profileId));
    }
    return compiled;
  }

  /** How the participant's native messages are authenticated, with the secret; null: no active profile. */
  async inboundAuth(participantId: string): Promise<InboundAuth | null> {
    const binding = (await this.currentBindings()).get(participantId);
    if (!binding) return null;
    const auth = binding.inboundAuth;
    if (auth.kind === 'bearer') return { kind: 'bearer' };
    const { secretEnc, ...setting } = auth;
    return { ...setting, secret: this.cipher.decrypt<string>(secretEnc) };
  }

  /** The engine the versions are validated and compiled with (for the dry run). */
  get mappingEngine(): MappingEngine {
    return this.engine;
  }

  private async load(profileId: string): Promise<CompiledProfile> {
    const [row] = await runPrepared<{ document: MappingProfileDocument }>(poolOf(this.dataSource), STATEMENTS.profile, [profileId]);
    if (!row) throw new DomainError('not-found', `no mapping profile version ${profileId}`);
    return this.engine.compile(row.document);
  }

  private currentBindings(): Promise<Map<string, Binding>> | Map<string, Binding> {
    if (this.now() - this.loadedAt < this.options.refreshMs) return this.bindings;
    if (this.loading) return this.loading;
    const generation = this.generation;
    const startedAt = this.now();
    const loading = runPrepared<{ participant_id: string; profile_id: string; version: number; inbound_auth: StoredInboundAuth }>(
      poolOf(this.dataSource),
      STATEMENTS.bindings,
      [],
    )
      .then(async (rows) => {
        const bindings = new Map(rows.map((r) => [r.participant_id, { profileId: r.profile_id, version: r.version, inboundAuth: r.inbound_auth }]));
        // Compiled before the snapshot is used, so that the outbox finds them without a query.
        await Promise.all(rows.map((r) => this.byProfileId(r.profile_id).catch(() => undefined)));
        if (generation === this.generation) {
          this.bindings = bindings;
          this.loadedAt = startedAt;
          this.everLoaded = true;
        }
        return bindings;
      })
      .finally(() => {
        if (this.loading === loading) this.loading = null;
      });
    this.loading = loading;
    return loading;
  }

  /** Without waiting once the bindings were read: a stale snapshot is answered and refreshed in the background. */
  private bindingsWithoutWaiting(): Promise<Map<string, Binding>> | Map<string, Binding> {
    this.keepFresh();
    if (!this.everLoaded) return this.currentBindings();
    if (this.now() - this.loadedAt >= this.options.refreshMs) this.refreshInBackground();
    return this.bindings;
  }

  /** After a local activation: read the bindings again now, so this process sees the change at once. */
  private async changed(): Promise<void> {
    this.generation++;
    this.loadedAt = -Infinity;
    this.loading = null;
    await Promise.resolve(this.currentBindings()).catch(() => undefined);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async participant(participantId: string): Promise<void> {
    // The registry's table, read only.
    const exists = await this.dataSource.manager.exists(ParticipantEntity, { where: { id: participantId } });
    if (!exists) throw new DomainError('not-found', `participant ${participantId} is not registered`);
  }

  private async versionRow(em: EntityManager, participantId: string, version: number): Promise<MappingProfileEntity> {
    const row = await em.findOneBy(MappingProfileEntity, { participantId, version });
    if (row) return row;
    await this.participant(participantId);
    throw new DomainError('not-found', `participant ${participantId} has no mapping profile version ${version}`);
  }

  private bindingRow(participantId: string): Promise<MappingBindingEntity | null> {
    return this.dataSource.manager.findOneBy(MappingBindingEntity, { participantId });
  }

  private view(row: MappingProfileEntity, activeId: string | undefined): ProfileVersionView {
    return {
      id: row.id,
      participantId: row.participantId,
      version: row.version,
      active: row.id === activeId,
      createdAt: row.createdAt.toISOString(),
      createdBy: row.createdBy,
      document: row.document,
    };
  }

  private bindingView(row: MappingBindingEntity, version: number): MappingBindingView {
    return {
      participantId: row.participantId,
      version,
      profileId: row.profileId,
      activatedAt: row.activatedAt.toISOString(),
      activatedBy: row.activatedBy,
      inboundAuth: inboundAuthSetting(row.inboundAuth),
    };
  }
}

function pick(document: MappingProfileDocument): Pick<MappingProfileDocument, 'extends' | 'description'> {
  return {
    ...(document.extends !== undefined ? { extends: document.extends } : {}),
    ...(document.description !== undefined ? { description: document.description } : {}),
  };
}

/**
 * Profiles are configuration, not history: they never keep a participant
 * from being removed, and go with it. Implements the registry's
 * `ParticipantReferences` port (structurally: registry is a sibling layer).
 */
export const mappingParticipantReferences = {
  name: 'mappingProfiles',
  count: (): Promise<number> => Promise.resolve(0),
  release: async (em: EntityManager, participantId: string): Promise<void> => {
    await em.delete(MappingBindingEntity, { participantId });
    await em.delete(MappingProfileEntity, { participantId });
  },
};

/** An inbound shared secret is encrypted with the data key, for `hub-cli rotate-data-key`. */
export const mappingEncryptedColumns: EncryptedColumn[] = [
  { table: 'mapping_bindings', key: ['participant_id'], column: 'inbound_auth', jsonField: 'secretEnc' },
];
