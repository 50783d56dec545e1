/** How the hub authenticates at a participant's system (decrypted; only the runtime holds it, never a log line). */
export type ConnectorAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'api-key'; header: string; prefix?: string; value: string };

export type ConnectorKind = 'rt5' | 'rest';

export interface ConnectorSettings {
  /** How often the system is asked for changes. */
  pollIntervalMs: number;
  /** How long a change must be quiet before it is applied (one logical change can arrive as several records). */
  settleMs: number;
  /** RT: the queue the hub works in. */
  queue?: string;
  /** The hub's own user in the system: its changes there are the hub's writes, never read back (echo suppression by author). */
  systemUser?: string;
  /** RT: the ticket custom field that carries the hub's ticket id (default `Drehscheibe Ticket`, as the built-in rt5 profile writes it). */
  ticketField?: string;
  /** Users whose changes are the system's automatic reactions (RT: `RT_System`): they belong to the change before them. */
  automaticUsers?: string[];
}

export const DEFAULT_CONNECTOR_SETTINGS: ConnectorSettings = { pollIntervalMs: 2000, settleMs: 1500 };

/** A participant's connector as the runtime uses it. */
export interface ConnectorConfig {
  participantId: string;
  kind: ConnectorKind;
  baseUrl: string;
  auth: ConnectorAuth;
  settings: ConnectorSettings;
  enabled: boolean;
  /** When the connector was first configured: the participant's events before it are not written into the system. */
  configuredAt: string;
}
