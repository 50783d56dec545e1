import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for personal data at rest. The stored form carries a version
 * tag so the key can be rotated without a flag day.
 */
export class FieldCipher {
  private readonly key: Buffer;
  private readonly digestKey: Buffer;

  constructor(base64Key: string) {
    this.key = Buffer.from(base64Key, 'base64');
    if (this.key.length !== 32) throw new Error('the data key must be 32 bytes');
    // A separate key for digests, derived so the cipher key is never used for two purposes.
    this.digestKey = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), 'drehscheibe keyed digest v1', 32));
  }

  /**
   * A keyed fingerprint (HMAC-SHA256) of data that may carry personal data:
   * equal inputs give equal digests, but without the data key nobody can
   * test a guess against a stored one, as with a plain hash.
   */
  digest(...parts: Array<string | Buffer>): string {
    const hmac = createHmac('sha256', this.digestKey);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }

  encrypt(value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
  }

  decrypt<T>(stored: string): T {
    const [version, iv, tag, data] = stored.split('.');
    if (version !== VERSION) throw new Error(`unknown cipher version ${version}`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }
}
