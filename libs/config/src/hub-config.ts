/**
 * The hub's configuration, read once at boot from the environment. A bad or
 * missing variable stops the process with a message naming every problem.
 */
export interface HubConfig {
  env: 'production' | 'development' | 'test';
  http: { host: string; port: number; bodyLimitBytes: number; publicUrl: string };
  databaseUrl: string;
  /** How long a query may wait for a database connection before it fails (the API answers 503). */
  databaseConnectTimeoutMs: number;
  redisUrl: string;
  /** BullMQ key prefix; lets several hubs or test runs share one Redis. */
  queuePrefix: string;
  auth: { issuer: string; tokenTtlSeconds: number };
  keys: {
    /** Ed25519 secret key (`whsk_…`) that signs access tokens and receipts. */
    tokenSigningKey: string;
    /** Ed25519 secret key (`whsk_…`) that signs webhook deliveries. */
    webhookSigningKey: string;
    /** 32-byte AES key (base64) for personal data at rest. */
    dataKey: string;
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
  logLevel: string;
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
const AES_KEY = /^[A-Za-z0-9+/]{43}=$/;

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
    },
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseConnectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 120_000),
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
    queuePrefix: r.string('QUEUE_PREFIX', 'drehscheibe'),
    auth: {
      issuer: r.string('TOKEN_ISSUER', 'drehscheibe'),
      tokenTtlSeconds: r.int('TOKEN_TTL_SECONDS', 900, 60, 86400),
    },
    keys: {
      tokenSigningKey: r.key('HUB_TOKEN_SIGNING_KEY', ED25519_SECRET, 'an Ed25519 secret key (whsk_<base64 of 32 bytes>)'),
      webhookSigningKey: r.key('HUB_WEBHOOK_SIGNING_KEY', ED25519_SECRET, 'an Ed25519 secret key (whsk_<base64 of 32 bytes>)'),
      dataKey: r.key('HUB_DATA_KEY', AES_KEY, '32 random bytes in base64'),
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
    logLevel: r.string('LOG_LEVEL', 'info'),
  };
  if (config.idempotency.leaseSeconds >= config.idempotency.keyTtlSeconds) {
    r.problems.push('IDEMPOTENCY_LEASE_SECONDS must be shorter than IDEMPOTENCY_KEY_TTL_SECONDS');
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
