import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import {
  AccessTokenService,
  dataKeyId,
  FieldCipher,
  generateClientSecret,
  hashClientSecret,
  InvalidTokenError,
  ReceiptSigner,
  SigningKey,
  verifyClientSecret,
} from '@drehscheibe/security';

const secretKey = () => 'whsk_' + randomBytes(32).toString('base64');

describe('client secrets', () => {
  it('verifies the right secret and refuses a wrong one', async () => {
    const secret = generateClientSecret();
    const hash = await hashClientSecret(secret);
    expect(hash).not.toContain(secret);
    await expect(verifyClientSecret(secret, hash)).resolves.toBe(true);
    await expect(verifyClientSecret(secret + 'x', hash)).resolves.toBe(false);
    await expect(verifyClientSecret(secret, 'plain$text')).resolves.toBe(false);
  });
});

describe('AccessTokenService', () => {
  it('round-trips the principal and names the key', async () => {
    const key = await SigningKey.fromSecret(secretKey());
    const tokens = new AccessTokenService(key, 'hub', 60);
    const { token } = await tokens.issue({ clientId: 'c1', participantId: 'de-he-hzd', scopes: ['tickets'], secretGeneration: 3 });
    expect(decodeProtectedHeader(token).kid).toBe(key.kid);
    await expect(tokens.verify(token)).resolves.toEqual({ clientId: 'c1', participantId: 'de-he-hzd', scopes: ['tickets'], secretGeneration: 3 });
  });

  it('refuses tokens signed by another key or for another issuer', async () => {
    const a = new AccessTokenService(await SigningKey.fromSecret(secretKey()), 'hub', 60);
    const b = new AccessTokenService(await SigningKey.fromSecret(secretKey()), 'hub', 60);
    const c = new AccessTokenService(await SigningKey.fromSecret(secretKey()), 'other', 60);
    const { token } = await a.issue({ clientId: 'c1', participantId: null, scopes: ['admin'], secretGeneration: 1 });
    await expect(b.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(c.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(a.verify(token + 'x')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses tokens without exp, iat, sub or sgen even when properly signed (issue 12, item 12)', async () => {
    const key = await SigningKey.fromSecret(secretKey());
    const tokens = new AccessTokenService(key, 'hub', 60);
    const claims = { scope: 'tickets', pid: 'p1', sgen: 1 };
    const sign = (omit: 'exp' | 'iat' | 'sub' | 'sgen') => {
      const { sgen, ...rest } = claims;
      let jwt = new SignJWT(omit === 'sgen' ? rest : { ...rest, sgen }).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' }).setIssuer('hub').setAudience('hub');
      if (omit !== 'sub') jwt = jwt.setSubject('c1');
      if (omit !== 'iat') jwt = jwt.setIssuedAt();
      if (omit !== 'exp') jwt = jwt.setExpirationTime('60s');
      return jwt.sign(key.privateKey);
    };
    for (const omit of ['exp', 'iat', 'sub', 'sgen'] as const) {
      await expect(tokens.verify(await sign(omit))).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });

  it('issues no token that outlives the configured lifetime', async () => {
    const tokens = new AccessTokenService(await SigningKey.fromSecret(secretKey()), 'hub', 60);
    const { token } = await tokens.issue({ clientId: 'c1', participantId: null, scopes: ['admin'], secretGeneration: 1 }, 3600);
    const { exp, iat } = decodeJwt(token);
    expect(exp! - iat!).toBe(60);
    const shorter = decodeJwt((await tokens.issue({ clientId: 'c1', participantId: null, scopes: ['admin'], secretGeneration: 1 }, 10)).token);
    expect(shorter.exp! - shorter.iat!).toBe(10);
  });

  it('carries a certificate binding as cnf x5t#S256 (RFC 8705 §3.1), and refuses a cnf it cannot check', async () => {
    const key = await SigningKey.fromSecret(secretKey());
    const tokens = new AccessTokenService(key, 'hub', 60);
    const certificateThumbprint = createHash('sha256').update('a certificate').digest('base64url');
    const { token } = await tokens.issue({ clientId: 'c1', participantId: 'p1', scopes: ['tickets'], secretGeneration: 1, certificateThumbprint });
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': certificateThumbprint });
    await expect(tokens.verify(token)).resolves.toMatchObject({ clientId: 'c1', certificateThumbprint });
    const unbound = await tokens.issue({ clientId: 'c1', participantId: 'p1', scopes: ['tickets'], secretGeneration: 1 });
    expect(decodeJwt(unbound.token).cnf).toBeUndefined();
    expect(await tokens.verify(unbound.token)).not.toHaveProperty('certificateThumbprint');
    // Another confirmation method (a key, jkt) or a malformed thumbprint must not pass as a plain bearer token.
    for (const cnf of [{ jkt: certificateThumbprint }, { 'x5t#S256': 'short' }, 'x5t']) {
      const jwt = await new SignJWT({ scope: 'tickets', sgen: 1, cnf })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
        .setIssuer('hub')
        .setAudience('hub')
        .setSubject('c1')
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(key.privateKey);
      await expect(tokens.verify(jwt)).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });
});

describe('ReceiptSigner', () => {
  it('signs a receipt that verifies with the public key and binds the body', async () => {
    const key = await SigningKey.fromSecret(secretKey());
    const receipt = new ReceiptSigner(key, 'hub').sign({ ticketId: 't1', version: 1, origin: 'mila', externalId: 'E1', body: '{"a":1}' });
    const { payload } = await jwtVerify(receipt, key.publicKey, { issuer: 'hub' });
    expect(payload).toMatchObject({ ticketId: 't1', version: 1, origin: 'mila', externalId: 'E1' });
    expect(payload.bodySha256).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(decodeProtectedHeader(receipt)).toEqual({ alg: 'EdDSA', kid: key.kid, typ: 'receipt+jwt' });
  });

  it('fails verification when the payload was altered', async () => {
    const key = await SigningKey.fromSecret(secretKey());
    const [header, , signature] = new ReceiptSigner(key, 'hub').sign({ ticketId: 't1', version: 1, origin: 'mila', externalId: 'E1', body: '{}' }).split('.');
    const forged = Buffer.from(JSON.stringify({ ticketId: 't2', version: 1, origin: 'mila', externalId: 'E1', iss: 'hub' })).toString('base64url');
    await expect(jwtVerify(`${header}.${forged}.${signature}`, key.publicKey)).rejects.toThrow();
  });
});

describe('FieldCipher', () => {
  it('round-trips values and never stores them in clear', () => {
    const cipher = new FieldCipher(randomBytes(32).toString('base64'));
    const stored = cipher.encrypt({ name: 'Erika Mustermann' });
    expect(stored).not.toContain('Erika');
    expect(cipher.decrypt(stored)).toEqual({ name: 'Erika Mustermann' });
  });

  it('detects tampering', () => {
    const cipher = new FieldCipher(randomBytes(32).toString('base64'));
    const parts = cipher.encrypt('x').split('.');
    parts[3] = Buffer.from('y').toString('base64');
    expect(() => cipher.decrypt(parts.join('.'))).toThrow();
  });

  it('digests equal inputs equally, and differently under another key or from a plain hash', () => {
    const key = randomBytes(32).toString('base64');
    const body = '{"requester":{"name":"Erika Mustermann"}}';
    const digest = new FieldCipher(key).digest('POST /v1/tickets\n', body);
    expect(new FieldCipher(key).digest('POST /v1/tickets\n', Buffer.from(body))).toBe(digest);
    expect(new FieldCipher(randomBytes(32).toString('base64')).digest('POST /v1/tickets\n', body)).not.toBe(digest);
    expect(createHash('sha256').update(`POST /v1/tickets\n${body}`).digest('hex')).not.toBe(digest);
  });

  describe('key ring', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    /** A value as FieldCipher wrote it before key rings (v1: no key id). */
    const legacy = (key: string, value: unknown) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
      const data = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
      return ['v1', iv.toString('base64'), c.getAuthTag().toString('base64'), data.toString('base64')].join('.');
    };

    it('names the key in what it stores, and reads v1 values with whichever key of the ring wrote them', () => {
      const before = new FieldCipher(oldKey);
      const stored = before.encrypt('Erika');
      expect(stored.split('.').slice(0, 2)).toEqual(['v2', dataKeyId(oldKey)]);
      expect(before.decrypt(legacy(oldKey, 'Erika'))).toBe('Erika');
      const rotated = new FieldCipher(newKey, [oldKey]);
      expect(rotated.decrypt(stored)).toBe('Erika');
      expect(rotated.decrypt(legacy(oldKey, 'Erika'))).toBe('Erika');
      expect(rotated.decrypt(legacy(newKey, 'Erika'))).toBe('Erika');
    });

    it('re-encrypts with the current key; without the old key the old value cannot be read', () => {
      const rotated = new FieldCipher(newKey, [oldKey]);
      const old = new FieldCipher(oldKey).encrypt({ email: 'e@example.org' });
      expect(rotated.isCurrent(old)).toBe(false);
      const moved = rotated.reencrypt(old);
      expect(rotated.isCurrent(moved)).toBe(true);
      expect(moved.split('.')[1]).toBe(dataKeyId(newKey));
      const newOnly = new FieldCipher(newKey);
      expect(newOnly.decrypt(moved)).toEqual({ email: 'e@example.org' });
      expect(() => newOnly.decrypt(old)).toThrow(/not in the key ring/);
      expect(() => newOnly.decrypt(legacy(oldKey, 'x'))).toThrow(/no data key/);
    });

    it('matches digests made under a previous key, and makes new ones under the current key', () => {
      const before = new FieldCipher(oldKey).digest('POST /v1/tickets\n', '{}');
      const rotated = new FieldCipher(newKey, [oldKey]);
      expect(rotated.digest('POST /v1/tickets\n', '{}')).not.toBe(before);
      expect(rotated.digests('POST /v1/tickets\n', '{}')).toEqual([rotated.digest('POST /v1/tickets\n', '{}'), before]);
    });
  });
});
