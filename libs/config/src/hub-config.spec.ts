import { ConfigError, isPeriod, loadConfig, periodSeconds } from '@drehscheibe/config';

const key = 'whsk_' + Buffer.alloc(32, 7).toString('base64');
const otherKey = 'whsk_' + Buffer.alloc(32, 8).toString('base64');
const valid = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/hub',
  REDIS_URL: 'redis://127.0.0.1:6379',
  HUB_TOKEN_SIGNING_KEY: key,
  HUB_WEBHOOK_SIGNING_KEY: otherKey,
  HUB_DATA_KEY: Buffer.alloc(32, 1).toString('base64'),
};

describe('loadConfig', () => {
  it('reads a valid environment with defaults', () => {
    const c = loadConfig(valid);
    expect(c.http.port).toBe(3000);
    expect(c.delivery.allowPrivateEndpoints).toBe(false);
    expect(c.databaseUrl).toBe(valid.DATABASE_URL);
    expect(c.idempotency).toEqual({ keyTtlSeconds: 86_400, leaseSeconds: 30 });
  });

  it('gives feed consumers a 30 s lease by default, and refuses one outside 1 to 600 s', () => {
    expect(loadConfig(valid).feed).toEqual({ consumerLeaseSeconds: 30 });
    expect(loadConfig({ ...valid, FEED_CONSUMER_LEASE_SECONDS: '2' }).feed.consumerLeaseSeconds).toBe(2);
    for (const wrong of ['0', '601', '1.5']) {
      expect(() => loadConfig({ ...valid, FEED_CONSUMER_LEASE_SECONDS: wrong })).toThrow(/FEED_CONSUMER_LEASE_SECONDS must be an integer between 1 and 600/);
    }
  });

  it('reads the auto-close period and refuses one that is no ISO 8601 duration of fixed length', () => {
    expect(loadConfig(valid).autoClose).toEqual({ after: 'P14D', intervalMs: 60_000 });
    expect(loadConfig({ ...valid, AUTO_CLOSE_AFTER: 'P0D', AUTO_CLOSE_INTERVAL_MS: '500' }).autoClose).toEqual({ after: 'P0D', intervalMs: 500 });
    expect(() => loadConfig({ ...valid, AUTO_CLOSE_AFTER: 'P1M' })).toThrow(/AUTO_CLOSE_AFTER must be an ISO 8601 duration/);
    expect(() => loadConfig({ ...valid, AUTO_CLOSE_AFTER: '14 days' })).toThrow(/AUTO_CLOSE_AFTER must be an ISO 8601 duration/);
  });

  it('reads the previous data keys (decrypt only) and the requester retention, and refuses malformed ones', () => {
    const previous = [Buffer.alloc(32, 2).toString('base64'), Buffer.alloc(32, 3).toString('base64')];
    expect(loadConfig(valid).keys.previousDataKeys).toEqual([]);
    expect(loadConfig({ ...valid, HUB_DATA_KEYS_PREVIOUS: ` ${previous.join(' , ')} ` }).keys.previousDataKeys).toEqual(previous);
    expect(() => loadConfig({ ...valid, HUB_DATA_KEYS_PREVIOUS: `${previous[0]},not-a-key` })).toThrow(/HUB_DATA_KEYS_PREVIOUS must be comma-separated keys/);
    expect(loadConfig(valid).personalData).toEqual({ retention: 'P90D', purgeIntervalMs: 3_600_000 });
    expect(loadConfig({ ...valid, REQUESTER_DATA_RETENTION: 'P0D' }).personalData.retention).toBe('P0D');
    expect(() => loadConfig({ ...valid, REQUESTER_DATA_RETENTION: 'P3M' })).toThrow(/REQUESTER_DATA_RETENTION must be an ISO 8601 duration/);
  });

  it('counts a period in seconds', () => {
    expect(periodSeconds('P14D')).toBe(14 * 86_400);
    expect(periodSeconds('P2W')).toBe(14 * 86_400);
    expect(periodSeconds('P1DT12H30M5S')).toBe(86_400 + 12 * 3600 + 30 * 60 + 5);
    expect(periodSeconds('PT1S')).toBe(1);
    expect(periodSeconds('P0D')).toBe(0);
    for (const bad of ['P', 'PT', 'P1Y', 'P1M', 'P1W2D', 'P1.5D', 'p1d', 'P1DT']) expect(isPeriod(bad)).toBe(false);
  });

  it('refuses an idempotency lease as long as the keys live', () => {
    expect(() => loadConfig({ ...valid, IDEMPOTENCY_KEY_TTL_SECONDS: '60', IDEMPOTENCY_LEASE_SECONDS: '60' })).toThrow(
      /IDEMPOTENCY_LEASE_SECONDS must be shorter/,
    );
  });

  it('names every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ ...valid, DATABASE_URL: undefined, PORT: 'eighty', HUB_DATA_KEY: 'short', REDIS_URL: 'http://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DATABASE_URL is required/);
    expect(problems).toMatch(/PORT must be an integer/);
    expect(problems).toMatch(/HUB_DATA_KEY must be/);
    expect(problems).toMatch(/REDIS_URL must use redis/);
  });

  it('refuses one key for tokens and webhooks, however it is spelled', () => {
    expect(() => loadConfig({ ...valid, HUB_WEBHOOK_SIGNING_KEY: key })).toThrow(/must be different keys/);
    // The last base64 character carries two unused bits: another spelling of the same 32 bytes.
    const last = key.at(-2)!;
    const respelled = key.slice(0, -2) + String.fromCharCode(last.charCodeAt(0) + 1) + '=';
    expect(Buffer.from(respelled.slice(5), 'base64')).toEqual(Buffer.from(key.slice(5), 'base64'));
    expect(() => loadConfig({ ...valid, HUB_WEBHOOK_SIGNING_KEY: respelled })).toThrow(/must be different keys/);
  });

  it('reads the authentication limits and the proxy setting', () => {
    const c = loadConfig(valid);
    expect(c.auth).toMatchObject({ clientCacheMs: 2000, failuresPerClient: 10, failuresPerSource: 30, failureWindowSeconds: 60 });
    expect(c.http.trustProxy).toBe(false);
    expect(loadConfig({ ...valid, TRUST_PROXY: '10.0.0.0/8, 192.168.1.5' }).http.trustProxy).toEqual(['10.0.0.0/8', '192.168.1.5']);
    expect(loadConfig({ ...valid, TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(() => loadConfig({ ...valid, TRUST_PROXY: 'lb.example' })).toThrow(/TRUST_PROXY/);
  });
});

describe('operations settings', () => {
  it('defaults: worker port 3001, no API metrics port, no metrics token, read-only queue board, 5 s database connect timeout', () => {
    const c = loadConfig(valid);
    expect(c.workerPort).toBe(3001);
    expect(c.metrics).toEqual({ token: null, apiPort: 0 });
    expect(c.queueBoardReadOnly).toBe(true);
    expect(c.databaseConnectTimeoutMs).toBe(5000);
  });

  it('reads them, and refuses a short metrics token and the retired METRICS_PORT by name', () => {
    const c = loadConfig({ ...valid, WORKER_PORT: '0', API_METRICS_PORT: '9464', METRICS_TOKEN: 'x'.repeat(32), QUEUE_BOARD_READ_ONLY: 'false' });
    expect(c).toMatchObject({ workerPort: 0, metrics: { apiPort: 9464, token: 'x'.repeat(32) }, queueBoardReadOnly: false });
    let error: unknown;
    try {
      loadConfig({ ...valid, METRICS_TOKEN: 'short', METRICS_PORT: '9100' });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/METRICS_TOKEN must be at least 16 characters/);
    expect(problems).toMatch(/METRICS_PORT is no longer read: use WORKER_PORT for the worker, API_METRICS_PORT for the API/);
  });
});

describe('TLS settings', () => {
  const files = { HUB_TLS_CERT_FILE: '/etc/hub/tls.crt', HUB_TLS_KEY_FILE: '/etc/hub/tls.key' };

  it('are off by default: plain HTTP, no client certificates, no header believed', () => {
    expect(loadConfig(valid).tls).toEqual({
      certFile: null,
      keyFile: null,
      clientCaFile: null,
      clientAuth: 'off',
      clientCertHeader: null,
      clientCertProxies: [],
    });
  });

  it('reads a server certificate with client certificates, and a proxy header with its proxies', () => {
    expect(loadConfig({ ...valid, ...files, HUB_TLS_CLIENT_CA_FILE: '/etc/hub/ca.crt', HUB_TLS_CLIENT_AUTH: 'Required' }).tls).toMatchObject({
      ...{ certFile: '/etc/hub/tls.crt', keyFile: '/etc/hub/tls.key', clientCaFile: '/etc/hub/ca.crt' },
      clientAuth: 'required',
    });
    expect(loadConfig({ ...valid, HUB_TLS_CLIENT_CERT_HEADER: 'Client-Cert', HUB_TLS_CLIENT_CERT_PROXIES: '10.0.0.5, 192.168.0.0/16' }).tls).toMatchObject({
      clientCertHeader: 'client-cert',
      clientCertProxies: ['10.0.0.5', '192.168.0.0/16'],
    });
  });

  it.each([
    [{ HUB_TLS_CERT_FILE: '/c' }, /HUB_TLS_CERT_FILE and HUB_TLS_KEY_FILE go together/],
    [{ HUB_TLS_CLIENT_AUTH: 'sometimes', ...files }, /HUB_TLS_CLIENT_AUTH must be off, optional or required/],
    [{ HUB_TLS_CLIENT_AUTH: 'optional', HUB_TLS_CLIENT_CA_FILE: '/ca' }, /HUB_TLS_CLIENT_AUTH=optional needs HUB_TLS_CERT_FILE/],
    [{ HUB_TLS_CLIENT_AUTH: 'required', ...files }, /HUB_TLS_CLIENT_AUTH=required needs HUB_TLS_CLIENT_CA_FILE/],
    [{ HUB_TLS_CLIENT_CA_FILE: '/ca', ...files }, /HUB_TLS_CLIENT_CA_FILE is set but HUB_TLS_CLIENT_AUTH is off/],
    [{ HUB_TLS_CLIENT_CERT_HEADER: 'client-cert' }, /HUB_TLS_CLIENT_CERT_HEADER needs HUB_TLS_CLIENT_CERT_PROXIES/],
    [{ HUB_TLS_CLIENT_CERT_HEADER: 'client cert', HUB_TLS_CLIENT_CERT_PROXIES: '10.0.0.1' }, /HUB_TLS_CLIENT_CERT_HEADER must be a header name/],
    [{ HUB_TLS_CLIENT_CERT_HEADER: 'client-cert', HUB_TLS_CLIENT_CERT_PROXIES: 'true' }, /must name the proxies/],
    [{ HUB_TLS_CLIENT_CERT_PROXIES: '10.0.0.1' }, /HUB_TLS_CLIENT_CERT_PROXIES is set but HUB_TLS_CLIENT_CERT_HEADER is not/],
  ])('refuses settings that do not go together: %j', (env, message) => {
    expect(() => loadConfig({ ...valid, ...env })).toThrow(message);
  });
});
