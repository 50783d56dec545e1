import { createHash } from 'node:crypto';
import { TestPki, type IssuedCertificate } from '../../../test/support/certificates.js';
import { ClientCertificate, ClientCertificateSource, DistinguishedName, InvalidClientCertificateError } from './client-certificate.js';

let pki: TestPki;
let ca: IssuedCertificate;
let mila: IssuedCertificate;
let other: IssuedCertificate;
beforeAll(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  mila = pki.issue(ca, 'mila', '/C=DE/O=Land MV, Abt. 3/OU=IT/CN=mila-client', 'client');
  other = pki.issue(ca, 'other', '/C=DE/O=Land MV, Abt. 3/OU=IT/CN=other-client', 'client');
});
afterAll(() => pki?.dispose());

const header = (c: IssuedCertificate) => `:${c.der.toString('base64')}:`;

describe('ClientCertificate', () => {
  it('has the RFC 8705 thumbprint: base64url of the SHA-256 of its DER encoding', () => {
    const cert = ClientCertificate.fromDer(mila.der);
    expect(cert.thumbprint).toBe(createHash('sha256').update(mila.der).digest('base64url'));
    expect(cert.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cert.matches(cert.thumbprint)).toBe(true);
    expect(cert.matches(ClientCertificate.fromDer(other.der).thumbprint)).toBe(false);
    expect(cert.matches('short')).toBe(false);
  });

  it('reads an RFC 9440 Client-Cert byte sequence, and refuses anything else', () => {
    expect(ClientCertificate.fromClientCertHeader(header(mila)).thumbprint).toBe(ClientCertificate.fromDer(mila.der).thumbprint);
    expect(ClientCertificate.fromClientCertHeader(` ${header(mila)} `).thumbprint).toBe(ClientCertificate.fromDer(mila.der).thumbprint);
    for (const bad of [
      mila.der.toString('base64'),
      mila.cert.toString('utf8'),
      ':%%%:',
      `:${mila.der.toString('base64url')}:`,
      '::',
      ':AAAA:',
      '-----BEGIN%20CERTIFICATE-----%ZZ',
      '-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----%0A',
    ]) {
      expect(() => ClientCertificate.fromClientCertHeader(bad)).toThrow(InvalidClientCertificateError);
    }
  });

  it('reads the URL-encoded PEM that nginx’s $ssl_client_escaped_cert gives', () => {
    const expected = ClientCertificate.fromDer(mila.der).thumbprint;
    expect(ClientCertificate.fromClientCertHeader(encodeURIComponent(mila.cert.toString('utf8'))).thumbprint).toBe(expected);
    // Followed by more of a chain: the first certificate is the client's.
    expect(ClientCertificate.fromClientCertHeader(encodeURIComponent(mila.cert.toString('utf8') + ca.cert.toString('utf8'))).thumbprint).toBe(expected);
  });

  it('compares its subject with a registered RFC 4514 DN: same RDNs in order, case and spacing aside', () => {
    const cert = ClientCertificate.fromDer(mila.der);
    expect(cert.hasSubject('CN=mila-client,OU=IT,O=Land MV\\, Abt. 3,C=DE')).toBe(true);
    expect(cert.hasSubject('cn=MILA-client, ou=it, o=Land  MV\\2C Abt. 3, c=de')).toBe(true);
    expect(cert.hasSubject('2.5.4.3=mila-client,OU=IT,O=Land MV\\, Abt. 3,C=DE')).toBe(true);
    // Another CN, the RDNs in the other order, one missing: not the same name.
    expect(cert.hasSubject('CN=other-client,OU=IT,O=Land MV\\, Abt. 3,C=DE')).toBe(false);
    expect(cert.hasSubject('C=DE,O=Land MV\\, Abt. 3,OU=IT,CN=mila-client')).toBe(false);
    expect(cert.hasSubject('CN=mila-client,O=Land MV\\, Abt. 3,C=DE')).toBe(false);
    expect(cert.hasSubject('CN=mila-client,OU=IT,O=Land MV,C=DE')).toBe(false);
  });

  it('compares non-ASCII values and multi-valued RDNs', () => {
    const umlaut = ClientCertificate.fromDer(pki.issue(ca, 'umlaut', '/C=DE/O=Stadt Lübeck/CN=Müller', 'client', true).der);
    expect(umlaut.hasSubject('CN=Müller,O=Stadt Lübeck,C=DE')).toBe(true);
    expect(umlaut.hasSubject('CN=M\\C3\\BCller,O=Stadt L\\C3\\BCbeck,C=DE')).toBe(true);
    expect(umlaut.hasSubject('CN=Muller,O=Stadt Lübeck,C=DE')).toBe(false);
    expect(DistinguishedName.parse('CN=a+UID=b,C=DE').equals(DistinguishedName.parse('UID=b+CN=a,C=DE'))).toBe(true);
    expect(DistinguishedName.parse('CN=a+UID=b,C=DE').equals(DistinguishedName.parse('CN=a,UID=b,C=DE'))).toBe(false);
  });

  it('refuses what is not a DN or not a certificate', () => {
    expect(() => DistinguishedName.parse('')).toThrow(InvalidClientCertificateError);
    expect(() => DistinguishedName.parse('mila-client')).toThrow(InvalidClientCertificateError);
    expect(() => DistinguishedName.parse('CN=#04024869')).toThrow(InvalidClientCertificateError);
    expect(() => ClientCertificate.fromDer(Buffer.from('not a certificate'))).toThrow(InvalidClientCertificateError);
  });
});

describe('ClientCertificateSource', () => {
  const source = new ClientCertificateSource({ header: 'Client-Cert', trustedProxies: ['10.0.0.0/8', '192.0.2.7', '::1'] });
  const tls = (c: IssuedCertificate, authorized = true) => ({ authorized, der: c.der });

  it('takes the certificate of the TLS handshake only when it verified against the configured CA', () => {
    expect(source.certificateOf({ remoteAddress: '198.51.100.1', tls: tls(mila), headers: {} })?.thumbprint).toBe(
      ClientCertificate.fromDer(mila.der).thumbprint,
    );
    expect(source.certificateOf({ remoteAddress: '198.51.100.1', tls: tls(mila, false), headers: {} })).toBeNull();
    expect(source.certificateOf({ remoteAddress: '198.51.100.1', tls: { authorized: true, der: undefined }, headers: {} })).toBeNull();
    expect(source.certificateOf({ remoteAddress: '198.51.100.1', headers: {} })).toBeNull();
  });

  it('believes the header only from a configured proxy, IPv4-mapped addresses included', () => {
    const withHeader = (remoteAddress: string) => source.certificateOf({ remoteAddress, headers: { 'client-cert': header(mila) } });
    const expected = ClientCertificate.fromDer(mila.der).thumbprint;
    expect(withHeader('10.1.2.3')?.thumbprint).toBe(expected);
    expect(withHeader('::ffff:192.0.2.7')?.thumbprint).toBe(expected);
    expect(withHeader('::1')?.thumbprint).toBe(expected);
    expect(withHeader('192.0.2.8')).toBeNull();
    expect(withHeader('11.0.0.1')).toBeNull();
    // Forged from elsewhere, beside the connection's own certificate: the connection's counts.
    expect(source.certificateOf({ remoteAddress: '198.51.100.1', tls: tls(other), headers: { 'client-cert': header(mila) } })?.thumbprint).toBe(
      ClientCertificate.fromDer(other.der).thumbprint,
    );
  });

  it('does not let the proxy’s own connection certificate stand for its client, and refuses an unreadable header', () => {
    expect(source.certificateOf({ remoteAddress: '10.0.0.1', tls: tls(other), headers: {} })).toBeNull();
    expect(() => source.certificateOf({ remoteAddress: '10.0.0.1', headers: { 'client-cert': ':bm9wZQ==:' } })).toThrow(InvalidClientCertificateError);
    expect(() => source.certificateOf({ remoteAddress: '10.0.0.1', headers: { 'client-cert': [header(mila), header(other)] } })).toThrow(
      InvalidClientCertificateError,
    );
  });

  it('reads no header at all when none is configured', () => {
    const direct = new ClientCertificateSource({ header: null, trustedProxies: ['10.0.0.0/8'] });
    expect(direct.certificateOf({ remoteAddress: '10.0.0.1', headers: { 'client-cert': header(mila) } })).toBeNull();
    expect(() => new ClientCertificateSource({ header: 'client-cert', trustedProxies: ['proxy.example'] })).toThrow(RangeError);
  });
});
