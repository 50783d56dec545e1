import { unavailableDependency } from '@drehscheibe/availability';
import type { ConnectorConfig } from './connector-config.js';
import { ConnectorFault, ConnectorSession, type ConnectorPorts } from './connector-session.js';
import { LeaseLost } from './connector-states.js';
import { SystemError } from './system-connector.js';

export interface RuntimeOptions {
  /** This replica's name in the lease (host and process id, unique per process). */
  owner: string;
  leaseMs: number;
  /** How often the configured connectors are read again. */
  refreshMs: number;
  /** The longest pause after failures. */
  maxBackoffMs?: number;
}

/** Where the runtime finds the connectors to run (the admin API's store). */
export interface ConnectorSource {
  enabled(): Promise<ConnectorConfig[]>;
}

interface Running {
  config: ConnectorConfig;
  stopped: boolean;
  wake?: () => void;
  done: Promise<void>;
}

/** What a failure is, for operators: the system's, the profile's, the hub's own availability, or a fault. */
export function causeOf(e: unknown): string {
  if (e instanceof SystemError) return e.reason;
  if (e instanceof ConnectorFault) return e.reason;
  if (unavailableDependency(e)) return 'hub-unavailable';
  return 'internal-error';
}

/**
 * Runs the connectors of all participants that have one, each in its own
 * loop, and only while this replica holds its lease: several replicas
 * share the systems between them, and one that dies leaves its systems to
 * the others once its leases run out.
 */
export class ConnectorRuntime {
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private supervisor?: Promise<void>;
  private wakeSupervisor?: () => void;

  constructor(
    private readonly source: ConnectorSource,
    private readonly ports: ConnectorPorts,
    private readonly options: RuntimeOptions,
  ) {}

  start(): void {
    this.supervisor ??= this.supervise();
  }

  /** The participants whose systems this replica works now. */
  get held(): string[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSupervisor?.();
    for (const r of this.running.values()) this.halt(r);
    await this.supervisor;
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async supervise(): Promise<void> {
    while (!this.stopping) {
      try {
        const configs = new Map((await this.source.enabled()).map((c) => [c.participantId, c]));
        for (const [participantId, r] of this.running) {
          const now = configs.get(participantId);
          if (!now || JSON.stringify(now) !== JSON.stringify(r.config)) this.halt(r);
        }
        for (const config of configs.values()) if (!this.running.has(config.participantId)) await this.claim(config);
      } catch (e) {
        this.ports.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'connector runtime cannot read the connectors');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.refreshMs);
        this.wakeSupervisor = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async claim(config: ConnectorConfig): Promise<void> {
    const resume = await this.ports.states.acquire(config.participantId, this.options.owner, this.options.leaseMs);
    if (!resume) return;
    const running: Running = { config, stopped: false, done: Promise.resolve() };
    this.running.set(config.participantId, running);
    this.ports.log.info({ participantId: config.participantId, kind: config.kind }, 'connector started');
    const session = new ConnectorSession(config, this.options.owner, this.ports, resume, this.options.leaseMs);
    running.done = this.loop(running, session).finally(() => this.running.delete(config.participantId));
  }

  private async loop(running: Running, session: ConnectorSession): Promise<void> {
    const { participantId, settings } = running.config;
    let failures = 0;
    let leaseLost = false;
    while (!running.stopped) {
      let pause: number;
      try {
        pause = (await session.cycle()) ? 0 : settings.pollIntervalMs;
        failures = 0;
      } catch (e) {
        if (e instanceof LeaseLost) {
          leaseLost = true;
          this.ports.log.warn({ participantId }, 'connector lease lost to another replica');
          break;
        }
        failures++;
        const cause = causeOf(e);
        const message = e instanceof Error ? e.message : String(e);
        this.ports.log.warn({ participantId, cause, failures, message }, 'connector cycle failed');
        await this.ports.states.failed(participantId, { cause, message }).catch(() => undefined);
        pause = Math.min(settings.pollIntervalMs * 2 ** Math.min(failures, 8), this.options.maxBackoffMs ?? 60_000);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        running.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // A clean stop hands the system over at once; a lost lease is someone else's already.
    if (!leaseLost) await this.ports.states.release(participantId, this.options.owner).catch(() => undefined);
    this.ports.log.info({ participantId }, 'connector stopped');
  }

  private halt(running: Running): void {
    running.stopped = true;
    running.wake?.();
  }
}
