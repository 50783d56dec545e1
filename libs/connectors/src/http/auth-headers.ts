import type { ConnectorAuth } from '../connector-config.js';

/**
 * The header that authenticates the hub at a participant's system: basic
 * (`Authorization: Basic base64(user:password)`), a bearer token, or an API
 * key in a header of the system's choosing, after its `prefix` as given
 * (e.g. `"Token "`, with the space). Header names are lower case. The values
 * are secrets: never log them or put them into an error message.
 */
export function authHeaders(auth: ConnectorAuth): Record<string, string> {
  switch (auth.kind) {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'api-key':
      return { [auth.header.toLowerCase()]: `${auth.prefix ?? ''}${auth.value}` };
  }
}
