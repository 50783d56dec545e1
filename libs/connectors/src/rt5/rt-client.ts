import type { ConnectorConfig } from '../connector-config.js';
import type { HttpFetch } from '../http/json-http.js';
import { jsonOf, SystemHttp, type RequestObserver, type SystemAnswer } from '../http/system-http.js';
import { SystemError } from '../system-connector.js';

/** Answers of an expired or refused session: RT sends them before it does anything, so the request may be sent again. */
const SESSION_LOST = new Set([302, 401, 403]);

/**
 * REST2 calls to one RT. With an auth token (`api-key` `Authorization:
 * token …`) or a bearer token every call carries it. With a user name and
 * password the client signs in once through RT's login form and sends the
 * session cookie instead, with a same-origin `Referer` (REST2 refuses writes
 * from a session without one): RT checks a password or token with bcrypt on
 * every call that carries one (about 250 ms of RT's CPU at its default cost),
 * a session cookie costs nothing. An expired session is signed in again.
 */
export class RtClient {
  private readonly http: SystemHttp;
  private readonly login?: { username: string; password: string };
  private cookie?: string;

  constructor(
    config: ConnectorConfig,
    observe?: RequestObserver,
    private readonly fetchFn: HttpFetch = fetch,
  ) {
    const { auth } = config;
    this.login = auth.kind === 'basic' ? { username: auth.username, password: auth.password } : undefined;
    this.http = new SystemHttp(config.baseUrl, this.login ? null : auth, { observe, fetch: fetchFn });
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<SystemAnswer> {
    if (!this.login) return this.http.request(method, path, body, headers);
    for (let attempt = 0; ; attempt++) {
      this.cookie ??= await this.signIn(this.login);
      try {
        return await this.http.request(method, path, body, { ...headers, cookie: this.cookie, referer: `${this.http.baseUrl}/` });
      } catch (e) {
        if (attempt > 0 || !(e instanceof SystemError) || !SESSION_LOST.has(e.status ?? 0)) throw e;
        this.cookie = undefined;
      }
    }
  }

  async get<T>(path: string): Promise<T> {
    return jsonOf<T>(await this.request('GET', path), path);
  }

  /** RT's login form; RT answers 200 with a session cookie either way, so the session is checked before it is used. */
  private async signIn({ username, password }: { username: string; password: string }): Promise<string> {
    let cookie: string | undefined;
    try {
      const response = await this.fetchFn(`${this.http.baseUrl}/NoAuth/Login.html`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${this.http.baseUrl}/` },
        body: new URLSearchParams({ user: username, pass: password }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      await response.text();
      cookie = response.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .find((c) => c.startsWith('RT_SID_'));
    } catch (e) {
      throw new SystemError('system-unreachable', `POST /NoAuth/Login.html: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!cookie) throw new SystemError('system-answer-invalid', 'POST /NoAuth/Login.html answered without a session cookie');
    const check = await this.http.request('GET', '/REST/2.0/rt', undefined, { cookie }).catch((e: unknown) => {
      if (e instanceof SystemError && SESSION_LOST.has(e.status ?? 0))
        throw new SystemError('system-refused', `RT refused the sign-in of user ${username}`, e.status);
      throw e;
    });
    if (check.status !== 200) throw new SystemError('system-refused', `RT refused the sign-in of user ${username}`, check.status);
    return cookie;
  }
}
