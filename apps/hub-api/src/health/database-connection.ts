import { connectDataSource } from '@drehscheibe/persistence';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/**
 * The API's database, connected in the background: the API listens at once
 * and answers 503 (health checks aside) until PostgreSQL is reachable and
 * migrated; it retries with backoff meanwhile, logging why.
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

  async close(): Promise<void> {
    this.abort.abort();
    await this.connecting?.catch(() => undefined);
    this.connectedFlag = false;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
