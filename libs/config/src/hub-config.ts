import { isPeriod } from './duration.js';

/**
 * The hub's configuration, read once at boot from the environment. A bad or
 * missing variable stops the process with a message naming every problem.
 */
export interface HubConfig {
  env: 'production' | 'development' | 'test';
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    publicUrl: string;
    /**
     * Fastify's `trustProxy`: false (the default) takes the client address from
     * the connection; behind a load balancer name its addresses so that
     * per-source limits see the real client (`X-Forwarded-For`).
     */
    trustProxy: boolean | string[];
  };
  databaseUrl: string;
  /** How long a query may wait for a database connection before it fails (the API answers 503). */
  databaseConnectTimeoutMs: number;
  redisUrl: string;
  /** BullMQ key prefix; lets several hubs or test runs share one Redis. */
  queuePrefix: string;
  auth: {
    issuer: string;
    tokenTtlSeconds: number;
    /** How long a replica trusts what it read about a client (enabled, suspended, secret generation). */
    clientCacheMs: number;
    /** Failed client authentications allowed per window before `429`, per client id and per source address. */
    failuresPerClient: number;
    failuresPerSource: number;
    failureWindowSeconds: number;
    /** private_key_jwt: the longest a client assertion may be valid (exp − iat). */
    assertionMaxLifetimeSeconds: number;
    /** External identity providers: how soon a provider's key set is fetched again for a key it did not have (a rotation). */
    providerJwksCooldownMs: number;
    /** …and how long fetched keys are used at most before they are fetched again. */
    providerJwksMaxAgeMs: number;
  };
  /** API requests per participant and window (all its clients, all replicas); a participant's `rateLimit` overrides `requests`. */
  rateLimit: {
    requests: number;
    windowSeconds: number;
  };
  keys: {
    /** Ed25519 secret key (`whsk_…`) that signs access tokens and receipts. */
    tokenSigningKey: string;
    /**
     * Public keys (`whpk_…`) published in /.well-known/jwks.json beside the
     * signing key's, and accepted wherever the hub verifies its own
     * signatures: the next key, published ahead of a rotation, and retired
     * keys, kept while anything they signed (tokens, receipts, checkpoints)
     * must still verify.
     */
    tokenPublishedKeys: string[];
    /** Ed25519 secret key (`whsk_…`) that signs webhook deliveries. */
    webhookSigningKey: string;
    /** Like `tokenPublishedKeys`, for /.well-known/webhook-jwks.json. */
    webhookPublishedKeys: string[];
    /** 32-byte AES key (base64) for personal data at rest. */
    dataKey: string;
    /** Earlier data keys, kept to decrypt (never to encrypt) until `hub-cli rotate-data-key` has moved everything to `dataKey`. */
    previousDataKeys: string[];
  };
  delivery: {
    timeoutMs: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    concurrency: number;
    /** Loopback and private endpoint addresses are refused unless this is set (SSRF). */
    allowPrivateEndpoints: boolean;
    reconcileIntervalMs: number;
    /** Deliveries in flight per receiver and worker process: a slow receiver cannot take every slot. */
    perReceiverConcurrency: number;
    circuitFailureThreshold: number;
    circuitProbeIntervalMs: number;
  };
  attachments: {
    maxBytes: number;
    /** Media types accepted for upload. */
    mediaTypes: string[];
    /** Store contents in this directory; unset: in PostgreSQL. */
    directory: string | null;
  };
  metrics: {
    /** Static bearer credential for `GET /metrics` on the API port (besides an admin token); null: admin tokens only. */
    token: string | null;
    /** A second API listener that serves only /metrics, without credentials, for the operators' network; 0: none. */
    apiPort: number;
  };
  /** The worker's operations listener (/health/live, /health/ready, /metrics); 0 turns it off. */
  workerPort: number;
  /** Bull Board refuses every change (retry, clean, promote, pause…) unless this is false. */
  queueBoardReadOnly: boolean;
  idempotency: {
    /** How long a key is remembered (its answer replayed); an older key counts as new and the worker deletes it. */
    keyTtlSeconds: number;
    /** How long a request holds its key; a retry may take over an unfinished key after this (the request crashed). */
    leaseSeconds: number;
  };
  feed: {
    /** How long a read of a named consumer holds its lease; the holder renews it by reading or acknowledging. */
    consumerLeaseSeconds: number;
  };
  audit: {
    /** How often the worker makes a signed checkpoint over every ticket's chain head (when anything changed). */
    checkpointIntervalMs: number;
  };
  autoClose: {
    /**
     * How long a resolved ticket stays resolved before the hub closes it, for
     * services without a period of their own (ISO 8601 duration); `P0D`: never.
     */
    after: string;
    /** How often the worker looks for resolved tickets that are due. */
    intervalMs: number;
  };
  connectors: {
    /**
     * How long a connector replica holds a participant's system without
     * renewing: after a crash, another replica takes it over this long after
     * the last renewal. Longer than one write to the slowest system.
     */
    leaseMs: number;
    /** How often a replica looks for connectors that were added, changed or removed, and for systems no replica works. */
    refreshMs: number;
    /** The connectors process's operations listener (health, metrics); 0: none. */
    port: number;
  };
  mapping: {
    /**
     * How long each process trusts what it read about which profile version
     * each participant has active (one query for all); a local activation is
     * seen at once, another replica's within this time.
     */
    refreshMs: number;
  };
  personalData: {
    /**
     * How long a closed (or cancelled) ticket keeps its requester's personal
     * data before the worker purges it (ISO 8601 duration); `P0D`: never.
     */
    retention: string;
    /** How often the worker looks for tickets whose retention passed. */
    purgeIntervalMs: number;
  };
  /** The API terminating TLS itself, with optional client certificates (mutual TLS, RFC 8705); all null/off by default. */
  tls: TlsConfig;
  logLevel: string;
}

/** `off`: no client certificates; `optional`: asked for, verified when sent; `required`: the handshake refuses clients without one from the CA. */
export type TlsClientAuth = 'off' | 'optional' | 'required';

export interface TlsConfig {
  /** PEM server certificate (chain) and key; both null: the API speaks plain HTTP (behind a proxy, or locally). */
  certFile: string | null;
  keyFile: string | null;
  /** PEM CA certificates that issue client certificates; needed unless `clientAuth` is off. */
  clientCaFile: string | null;
  clientAuth: TlsClientAuth;
  /** RFC 9440 header in which a TLS-terminating proxy passes the client certificate (e.g. `client-cert`); null: none is read. */
  clientCertHeader: string | null;
  /** The proxies whose `clientCertHeader` is believed (addresses, CIDR ranges); from anywhere else it is ignored. */
  clientCertProxies: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  url(name: string, protocols: string[], fallback?: string): string {
    const value = this.string(name, fallback);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) this.problems.push(`${name} must use ${protocols.join(' or ')}`);
    } catch {
      this.problems.push(`${name} is not a URL`);
    }
    return value;
  }

  /** An optional secret: unset is null; set, it must be at least `minLength` characters. */
  optionalSecret(name: string, minLength: number): string | null {
    const value = this.env[name]?.trim();
    if (!value) return null;
    if (value.length < minLength) this.problems.push(`${name} must be at least ${minLength} characters`);
    return value;
  }

  /** `false`/unset, `true` (trust any sender: only when nothing else can reach the port), or comma-separated addresses and CIDR ranges. */
  trustProxy(name: string): boolean | string[] {
    const raw = this.env[name]?.trim();
    if (!raw || ['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    const list = raw
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (list.some((a) => !/^[0-9A-Fa-f.:]+(\/[0-9]{1,3})?$/.test(a))) {
      this.problems.push(`${name} must be true, false or comma-separated addresses/CIDR ranges (got "${raw}")`);
      return false;
    }
    return list;
  }

  /** An ISO 8601 period of weeks, days, hours, minutes and seconds (see `isPeriod`). */
  period(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!isPeriod(value))
      this.problems.push(`${name} must be an ISO 8601 duration of weeks, days, hours, minutes or seconds, e.g. P14D or PT12H (got "${value}")`);
    return value;
  }

  /** Comma-separated keys, each matching `pattern`; unset: none. */
  keyList(name: string, pattern: RegExp, what: string): string[] {
    const keys = (this.env[name] ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    if (keys.some((k) => !pattern.test(k))) this.problems.push(`${name} must be ${what}`);
    return keys;
  }

  key(name: string, pattern: RegExp, what: string): string {
    const value = this.string(name);
    if (value && !pattern.test(value)) this.problems.push(`${name} must be ${what}`);
    return value;
  }
}

/** Documents and screenshots a support case needs; no executables or archives by default. */
const DEFAULT_ATTACHMENT_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/plain',
  'text/csv',
  'application/xml',
  'application/json',
  'message/rfc822',
];

const ED25519_SECRET = /^whsk_[A-Za-z0-9+/]{43}=$/;
const ED25519_PUBLIC = /^whpk_[A-Za-z0-9+/]{43}=$/;
const AES_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** Two `whsk_` (or two `whpk_`) keys with the same 32 bytes (base64 has more than one spelling of some byte strings). */
function sameKey(a: string, b: string): boolean {
  return Buffer.from(a.slice('whsk_'.length), 'base64').equals(Buffer.from(b.slice('whsk_'.length), 'base64'));
}

/** Checks how the TLS settings go together; whether the files can be read is checked by the API at start (only it needs them). */
function readTls(r: Reader, env: Env): TlsConfig {
  const file = (name: string) => env[name]?.trim() || null;
  const certFile = file('HUB_TLS_CERT_FILE');
  const keyFile = file('HUB_TLS_KEY_FILE');
  const clientCaFile = file('HUB_TLS_CLIENT_CA_FILE');
  const clientAuth = r.string('HUB_TLS_CLIENT_AUTH', 'off').toLowerCase();
  if (!['off', 'optional', 'required'].includes(clientAuth)) r.problems.push(`HUB_TLS_CLIENT_AUTH must be off, optional or required (got "${clientAuth}")`);
  if ((certFile === null) !== (keyFile === null)) r.problems.push('HUB_TLS_CERT_FILE and HUB_TLS_KEY_FILE go together: set both or neither');
  if (clientAuth !== 'off' && certFile === null) r.problems.push(`HUB_TLS_CLIENT_AUTH=${clientAuth} needs HUB_TLS_CERT_FILE and HUB_TLS_KEY_FILE`);
  if (clientAuth !== 'off' && clientCaFile === null) r.problems.push(`HUB_TLS_CLIENT_AUTH=${clientAuth} needs HUB_TLS_CLIENT_CA_FILE`);
  if (clientAuth === 'off' && clientCaFile !== null)
    r.problems.push('HUB_TLS_CLIENT_CA_FILE is set but HUB_TLS_CLIENT_AUTH is off: set it to optional or required');
  const header = env.HUB_TLS_CLIENT_CERT_HEADER?.trim().toLowerCase() || null;
  if (header !== null && !/^[a-z0-9-]{1,64}$/.test(header))
    r.problems.push(`HUB_TLS_CLIENT_CERT_HEADER must be a header name such as client-cert (got "${header}")`);
  const proxies = r.trustProxy('HUB_TLS_CLIENT_CERT_PROXIES');
  // `true` (any sender) would let every client forge its certificate: the proxies must be named.
  if (proxies === true) r.problems.push('HUB_TLS_CLIENT_CERT_PROXIES must name the proxies (addresses or CIDR ranges), not true');
  const clientCertProxies = Array.isArray(proxies) ? proxies : [];
  if (header !== null && clientCertProxies.length === 0)
    r.problems.push('HUB_TLS_CLIENT_CERT_HEADER needs HUB_TLS_CLIENT_CERT_PROXIES: the proxies whose header is believed');
  if (header === null && clientCertProxies.length > 0) r.problems.push('HUB_TLS_CLIENT_CERT_PROXIES is set but HUB_TLS_CLIENT_CERT_HEADER is not');
  return { certFile, keyFile, clientCaFile, clientAuth: clientAuth as TlsClientAuth, clientCertHeader: header, clientCertProxies };
}

export function loadConfig(env: Env = process.env): HubConfig {
  const r = new Reader(env);
  // Renamed: the worker's port now serves health checks too, and the API may have a metrics port of its own.
  if (env.METRICS_PORT?.trim()) r.problems.push('METRICS_PORT is no longer read: use WORKER_PORT for the worker, API_METRICS_PORT for the API');
  const nodeEnv = r.string('NODE_ENV', 'development');
  if (!['production', 'development', 'test'].includes(nodeEnv)) r.problems.push('NODE_ENV must be production, development or test');
  const port = r.int('PORT', 3000, 0, 65535);
  const host = r.string('HOST', '127.0.0.1');
  const config: HubConfig = {
    env: nodeEnv as HubConfig['env'],
    http: {
      host,
      port,
      bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      publicUrl: r.url('PUBLIC_URL', ['http:', 'https:'], `http://${host}:${port}`),
      trustProxy: r.trustProxy('TRUST_PROXY'),
    },
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseConnectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 120_000),
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
    queuePrefix: r.string('QUEUE_PREFIX', 'drehscheibe'),
    auth: {
      issuer: r.string('TOKEN_ISSUER', 'drehscheibe'),
      tokenTtlSeconds: r.int('TOKEN_TTL_SECONDS', 900, 60, 86400),
      clientCacheMs: r.int('AUTH_CLIENT_CACHE_MS', 2000, 0, 60_000),
      failuresPerClient: r.int('AUTH_FAILURES_PER_CLIENT', 10, 1, 100_000),
      failuresPerSource: r.int('AUTH_FAILURES_PER_SOURCE', 30, 1, 100_000),
      failureWindowSeconds: r.int('AUTH_FAILURE_WINDOW_SECONDS', 60, 1, 86_400),
      assertionMaxLifetimeSeconds: r.int('AUTH_ASSERTION_MAX_SECONDS', 300, 10, 3600),
      providerJwksCooldownMs: r.int('AUTH_PROVIDER_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
      providerJwksMaxAgeMs: r.int('AUTH_PROVIDER_JWKS_MAX_AGE_MS', 600_000, 1_000, 86_400_000),
    },
    rateLimit: {
      requests: r.int('RATE_LIMIT_REQUESTS', 3_000, 1, 1_000_000),
      windowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    },
    keys: {
      tokenSigningKey: r.key('HUB_TOKEN_SIGNING_KEY', ED25519_SECRET, 'an Ed25519 secret key (whsk_<base64 of 32 bytes>)'),
      tokenPublishedKeys: r.keyList('HUB_TOKEN_PUBLISHED_KEYS', ED25519_PUBLIC, 'comma-separated Ed25519 public keys (whpk_<base64 of 32 bytes>)'),
      webhookSigningKey: r.key('HUB_WEBHOOK_SIGNING_KEY', ED25519_SECRET, 'an Ed25519 secret key (whsk_<base64 of 32 bytes>)'),
      webhookPublishedKeys: r.keyList('HUB_WEBHOOK_PUBLISHED_KEYS', ED25519_PUBLIC, 'comma-separated Ed25519 public keys (whpk_<base64 of 32 bytes>)'),
      dataKey: r.key('HUB_DATA_KEY', AES_KEY, '32 random bytes in base64'),
      previousDataKeys: r.keyList('HUB_DATA_KEYS_PREVIOUS', AES_KEY, 'comma-separated keys of 32 random bytes in base64'),
    },
    delivery: {
      timeoutMs: r.int('DELIVERY_TIMEOUT_MS', 10_000, 100, 120_000),
      maxAttempts: r.int('DELIVERY_MAX_ATTEMPTS', 20, 1, 100),
      backoffBaseMs: r.int('DELIVERY_BACKOFF_BASE_MS', 5_000, 10, 3_600_000),
      backoffMaxMs: r.int('DELIVERY_BACKOFF_MAX_MS', 4 * 3_600_000, 10, 86_400_000),
      concurrency: r.int('DELIVERY_CONCURRENCY', 32, 1, 1000),
      allowPrivateEndpoints: r.bool('ALLOW_PRIVATE_ENDPOINTS', false),
      reconcileIntervalMs: r.int('RECONCILE_INTERVAL_MS', 5_000, 100, 3_600_000),
      perReceiverConcurrency: r.int('DELIVERY_RECEIVER_CONCURRENCY', 8, 1, 1000),
      circuitFailureThreshold: r.int('CIRCUIT_FAILURE_THRESHOLD', 5, 1, 1000),
      circuitProbeIntervalMs: r.int('CIRCUIT_PROBE_INTERVAL_MS', 30_000, 100, 3_600_000),
    },
    attachments: {
      maxBytes: r.int('ATTACHMENT_MAX_BYTES', 10 * 1024 * 1024, 1, 512 * 1024 * 1024),
      mediaTypes: r
        .string('ATTACHMENT_MEDIA_TYPES', DEFAULT_ATTACHMENT_TYPES.join(','))
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
      directory: env.ATTACHMENT_DIR?.trim() || null,
    },
    metrics: {
      token: r.optionalSecret('METRICS_TOKEN', 16),
      apiPort: r.int('API_METRICS_PORT', 0, 0, 65535),
    },
    workerPort: r.int('WORKER_PORT', 3001, 0, 65535),
    queueBoardReadOnly: r.bool('QUEUE_BOARD_READ_ONLY', true),
    idempotency: {
      keyTtlSeconds: r.int('IDEMPOTENCY_KEY_TTL_SECONDS', 86_400, 60, 30 * 86_400),
      leaseSeconds: r.int('IDEMPOTENCY_LEASE_SECONDS', 30, 1, 3_600),
    },
    feed: {
      consumerLeaseSeconds: r.int('FEED_CONSUMER_LEASE_SECONDS', 30, 1, 600),
    },
    audit: {
      checkpointIntervalMs: r.int('AUDIT_CHECKPOINT_INTERVAL_MS', 60_000, 100, 86_400_000),
    },
    autoClose: {
      after: r.period('AUTO_CLOSE_AFTER', 'P14D'),
      intervalMs: r.int('AUTO_CLOSE_INTERVAL_MS', 60_000, 100, 86_400_000),
    },
    mapping: {
      refreshMs: r.int('MAPPING_REFRESH_MS', 1000, 0, 60_000),
    },
    connectors: {
      leaseMs: r.int('CONNECTOR_LEASE_MS', 15_000, 1_000, 600_000),
      refreshMs: r.int('CONNECTOR_REFRESH_MS', 5_000, 100, 600_000),
      port: r.int('CONNECTORS_PORT', 0, 0, 65_535),
    },
    personalData: {
      retention: r.period('REQUESTER_DATA_RETENTION', 'P90D'),
      purgeIntervalMs: r.int('REQUESTER_PURGE_INTERVAL_MS', 3_600_000, 100, 86_400_000),
    },
    tls: readTls(r, env),
    logLevel: r.string('LOG_LEVEL', 'info'),
  };
  if (config.idempotency.leaseSeconds >= config.idempotency.keyTtlSeconds) {
    r.problems.push('IDEMPOTENCY_LEASE_SECONDS must be shorter than IDEMPOTENCY_KEY_TTL_SECONDS');
  }
  if (config.keys.tokenSigningKey && sameKey(config.keys.tokenSigningKey, config.keys.webhookSigningKey)) {
    // One key for both would let a signed delivery pass for a token or receipt, and the other way round.
    r.problems.push('HUB_TOKEN_SIGNING_KEY and HUB_WEBHOOK_SIGNING_KEY must be different keys');
  }
  if (config.keys.tokenPublishedKeys.some((t) => config.keys.webhookPublishedKeys.some((w) => sameKey(t, w)))) {
    r.problems.push('HUB_TOKEN_PUBLISHED_KEYS and HUB_WEBHOOK_PUBLISHED_KEYS must not share a key');
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
