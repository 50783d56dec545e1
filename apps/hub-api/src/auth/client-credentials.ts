import { textViolation } from '@drehscheibe/contracts';
import { OAuthClientEntity } from '@drehscheibe/persistence';
import { verifyClientSecret } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';

/**
 * `Authorization: Basic …` as RFC 6749 2.3.1 defines it: both parts
 * form-urlencoded. Parts that break the text rule (U+0000, lone surrogates)
 * are no credentials: the caller answers as for an unknown client.
 */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    return textViolation(id) || textViolation(secret) ? null : { id, secret };
  } catch {
    return null;
  }
}

/** The enabled client with this id and secret, or null — one place for the token endpoint and the queue board. */
export async function authenticateClient(dataSource: DataSource, clientId: string, secret: string): Promise<OAuthClientEntity | null> {
  const client = await dataSource.manager.findOneBy(OAuthClientEntity, { clientId });
  if (!client || !client.enabled || !(await verifyClientSecret(secret, client.secretHash))) return null;
  return client;
}
