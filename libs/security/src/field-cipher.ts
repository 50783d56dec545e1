import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** Written before key rings: no key id; read with whichever key of the ring authenticates it. */
const LEGACY = 'v1';
/** `v2.<key id>.<iv>.<tag>.<data>`: the stored form names the key that encrypted it. */
const CURRENT = 'v2';

interface DataKey {
  id: string;
  key: Buffer;
  digestKey: Buffer;
}

/** A short public name for a data key: the first 8 hex digits of a hash, so a stored value says which key it needs without revealing it. */
export function dataKeyId(base64Key: string): string {
  return createHash('sha256').update('drehscheibe data key id\n').update(Buffer.from(base64Key, 'base64')).digest('hex').slice(0, 8);
}

function dataKey(base64Key: string): DataKey {
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== 32) throw new Error('the data key must be 32 bytes');
  // A separate key for digests, derived so the cipher key is never used for two purposes.
  const digestKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'drehscheibe keyed digest v1', 32));
  return { id: dataKeyId(base64Key), key, digestKey };
}

/**
 * AES-256-GCM for personal data and secrets at rest, with a key ring: the
 * current key (HUB_DATA_KEY) encrypts, previous keys (HUB_DATA_KEYS_PREVIOUS)
 * only decrypt, so the key can be rotated while the hub runs: switch the
 * key, re-encrypt (`hub-cli rotate-data-key`), then drop the old key.
 */
export class FieldCipher {
  private readonly current: DataKey;
  private readonly ring: DataKey[];

  constructor(currentKey: string, previousKeys: readonly string[] = []) {
    this.current = dataKey(currentKey);
    this.ring = [this.current, ...previousKeys.map(dataKey).filter((k) => k.id !== this.current.id)];
  }

  /** The id every value encrypted now carries. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /**
   * A keyed fingerprint (HMAC-SHA256) of data that may carry personal data:
   * equal inputs give equal digests, but without the data key nobody can
   * test a guess against a stored one, as with a plain hash.
   */
  digest(...parts: Array<string | Buffer>): string {
    return digestWith(this.current, parts);
  }

  /**
   * The digest under every key of the ring, current first: a stored digest
   * made before a rotation still compares equal while its key is in the ring.
   */
  digests(...parts: Array<string | Buffer>): string[] {
    return this.ring.map((k) => digestWith(k, parts));
  }

  encrypt(value: unknown): string {
    return this.seal(Buffer.from(JSON.stringify(value), 'utf8'));
  }

  decrypt<T>(stored: string): T {
    return JSON.parse(this.open(stored).toString('utf8')) as T;
  }

  /** Whether a stored value is encrypted with the current key (else `reencrypt` moves it there). */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${CURRENT}.${this.current.id}.`);
  }

  /** The same value encrypted with the current key (a fresh IV). */
  reencrypt(stored: string): string {
    return this.seal(this.open(stored));
  }

  private seal(plain: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [CURRENT, this.current.id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
  }

  private open(stored: string): Buffer {
    const parts = stored.split('.');
    if (parts[0] === CURRENT && parts.length === 5) {
      const [, keyId, iv, tag, data] = parts;
      const key = this.ring.find((k) => k.id === keyId);
      if (!key) throw new Error(`data key ${keyId} is not in the key ring (HUB_DATA_KEY, HUB_DATA_KEYS_PREVIOUS)`);
      return openWith(key, iv, tag, data);
    }
    if (parts[0] === LEGACY && parts.length === 4) {
      const [, iv, tag, data] = parts;
      // No key id: GCM's tag tells the key that encrypted it (the current key first, the usual case).
      for (const key of this.ring) {
        try {
          return openWith(key, iv, tag, data);
        } catch {
          continue;
        }
      }
      throw new Error('no data key in the key ring decrypts this v1 value');
    }
    throw new Error(`unknown cipher version ${parts[0]}`);
  }
}

function digestWith(key: DataKey, parts: Array<string | Buffer>): string {
  const hmac = createHmac('sha256', key.digestKey);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

function openWith(key: DataKey, iv: string, tag: string, data: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
}
