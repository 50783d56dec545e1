import { ConnectorEntity } from '@drehscheibe/persistence';
import type { FieldCipher } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { DEFAULT_CONNECTOR_SETTINGS, type ConnectorAuth, type ConnectorConfig } from './connector-config.js';

/** The stored connector with its secret decrypted (only in the runtime's memory). */
export function toConnectorConfig(row: ConnectorEntity, cipher: FieldCipher): ConnectorConfig {
  const auth = row.auth;
  const secret = cipher.decrypt<string>(auth.secretEnc);
  const decrypted: ConnectorAuth =
    auth.kind === 'basic'
      ? { kind: 'basic', username: auth.username, password: secret }
      : auth.kind === 'bearer'
        ? { kind: 'bearer', token: secret }
        : { kind: 'api-key', header: auth.header, ...(auth.prefix ? { prefix: auth.prefix } : {}), value: secret };
  return {
    participantId: row.participantId,
    kind: row.kind,
    baseUrl: row.baseUrl,
    auth: decrypted,
    settings: { ...DEFAULT_CONNECTOR_SETTINGS, ...(row.settings as Partial<ConnectorConfig['settings']>) },
    enabled: row.enabled,
  };
}

/** The runtime's source of connectors: every enabled one, decrypted. */
export class EnabledConnectors {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  async enabled(): Promise<ConnectorConfig[]> {
    const rows = await this.dataSource.getRepository(ConnectorEntity).find({ where: { enabled: true }, order: { participantId: 'ASC' } });
    return rows.map((row) => toConnectorConfig(row, this.cipher));
  }
}
