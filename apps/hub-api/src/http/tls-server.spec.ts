import { ConfigError, type TlsConfig } from '@drehscheibe/config';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestPki, type IssuedCertificate } from '../../../../test/support/certificates.js';
import { tlsServerOptions } from './tls-server.js';

let pki: TestPki;
let ca: IssuedCertificate;
let server: IssuedCertificate;
let other: IssuedCertificate;
beforeAll(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  server = pki.issue(ca, 'server', '/CN=localhost', 'server');
  other = pki.issue(ca, 'other', '/CN=other', 'client');
});
afterAll(() => pki?.dispose());

const settings = (overrides: Partial<TlsConfig> = {}): TlsConfig => ({
  certFile: server.certFile,
  keyFile: server.keyFile,
  clientCaFile: ca.certFile,
  clientAuth: 'optional',
  clientCertHeader: null,
  clientCertProxies: [],
  ...overrides,
});

/** The problems a start with these settings names. */
function startProblems(tls: TlsConfig): string[] {
  try {
    tlsServerOptions(tls);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('the settings were accepted');
}

describe('tlsServerOptions', () => {
  it('is null without a server certificate: plain HTTP', () => {
    expect(tlsServerOptions(settings({ certFile: null, keyFile: null, clientCaFile: null, clientAuth: 'off' }))).toBeNull();
  });

  it('asks for client certificates when optional, and refuses clients without one when required', () => {
    expect(tlsServerOptions(settings())).toMatchObject({ requestCert: true, rejectUnauthorized: false, cert: server.cert, key: server.key, ca: ca.cert });
    expect(tlsServerOptions(settings({ clientAuth: 'required' }))).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    expect(tlsServerOptions(settings({ clientAuth: 'off', clientCaFile: null }))).not.toHaveProperty('requestCert');
  });

  it('stops the start naming each file that is missing', () => {
    const missing = join(pki.dir, 'missing.pem');
    const problems = startProblems(settings({ certFile: missing, clientCaFile: missing }));
    expect(problems).toEqual([
      expect.stringMatching(/^HUB_TLS_CERT_FILE: .*missing\.pem cannot be read \(ENOENT\)/),
      expect.stringMatching(/^HUB_TLS_CLIENT_CA_FILE: .*missing\.pem cannot be read \(ENOENT\)/),
    ]);
  });

  it('stops the start on a key that is not one, is encrypted, or belongs to another certificate', () => {
    expect(startProblems(settings({ keyFile: server.certFile }))).toEqual([expect.stringMatching(/HUB_TLS_KEY_FILE: .* holds no unencrypted PEM private key/)]);
    const encrypted = join(pki.dir, 'encrypted.key');
    execFileSync('/usr/bin/openssl', ['pkey', '-in', server.keyFile, '-aes256', '-passout', 'pass:secret', '-out', encrypted]);
    expect(startProblems(settings({ keyFile: encrypted }))).toEqual([expect.stringMatching(/holds no unencrypted PEM private key/)]);
    expect(startProblems(settings({ keyFile: other.keyFile }))).toEqual([expect.stringMatching(/does not belong to the certificate/)]);
  });

  it('stops the start on a certificate file or CA file without a (CA) certificate', () => {
    const text = join(pki.dir, 'text.pem');
    writeFileSync(text, 'not a certificate\n');
    expect(startProblems(settings({ certFile: text }))).toEqual([expect.stringMatching(/HUB_TLS_CERT_FILE: .* holds no PEM certificate/)]);
    expect(startProblems(settings({ clientCaFile: text }))).toEqual([expect.stringMatching(/HUB_TLS_CLIENT_CA_FILE: .* holds no PEM certificate/)]);
    expect(startProblems(settings({ clientCaFile: other.certFile }))).toEqual([expect.stringMatching(/not CA certificates/)]);
  });
});
