import type { ConnectorEntity } from '@drehscheibe/persistence';
import type { FieldCipher } from '@drehscheibe/security';
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
    configuredAt: row.createdAt.toISOString(),
  };
}
