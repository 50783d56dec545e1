import { checkDependency, type CheckState } from '@drehscheibe/availability';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { connectDataSource } from './data-source.js';

/**
 * A process's database, connected in the background: the API listens and
 * the worker reports not-ready at once, while this retries with backoff
 * (logging why) until PostgreSQL is reachable and migrated.
 */
export class DatabaseConnection {
  private connectedFlag = false;
  private readonly abort = new AbortController();
  private connecting?: Promise<void>;

  constructor(
    readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {}

  get connected(): boolean {
    return this.connectedFlag;
  }

  /** Starts connecting (once); settles when connected, rejects only on a fault that waiting cannot mend. */
  connect(): Promise<void> {
    this.connecting ??= connectDataSource(this.dataSource, { logger: this.logger, signal: this.abort.signal, requireCurrentSchema: true }).then(() => {
      this.connectedFlag = true;
    });
    return this.connecting;
  }

  /** For readiness: `up` when connected and answering a `SELECT 1` in time. */
  check(): Promise<CheckState> {
    return this.connectedFlag ? checkDependency(() => this.dataSource.query('SELECT 1')) : Promise.resolve('down');
  }

  /** Stops retrying; settles once a connection attempt in progress has ended either way. */
  async stopConnecting(): Promise<void> {
    this.abort.abort();
    await this.connecting?.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.stopConnecting();
    this.connectedFlag = false;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
